"""One router per area of the site, and what the routes share."""
