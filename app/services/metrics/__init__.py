"""Measured figures once stored: hourly means, retention, rollups and freshness."""
