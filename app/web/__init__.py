"""The web layer: one router per area, templates, dependencies."""
