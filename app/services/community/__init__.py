"""Ratings and comments, and the rules for the text people write."""
