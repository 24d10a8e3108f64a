"""Answers kept and reused: the page cache, signed-in parts, ETags, hashed static files."""
