"""Business logic: plain functions taking `session=`, no web objects."""
