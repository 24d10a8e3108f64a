"""Turning values into what is sent: text, SVG charts, CSV, JSON bodies, templates."""
