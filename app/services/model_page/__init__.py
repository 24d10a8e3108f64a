"""One model's page: everything it shows, and the facts behind it."""
