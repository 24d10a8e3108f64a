"""Business logic: plain functions taking `session=`, no web objects.

Importing any service installs the session hooks that turn writes into content
version changes (`content_version`): every process that writes pages' content
(the app, the CLI, a cron job, a test) goes through a service, so none can
write without them.
"""

from app.services.publishing import content_version as content_version
