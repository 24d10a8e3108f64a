"""Adapters for upstream data sources, each behind a small interface."""
