"""Jobs that bring data in from sources, and what they record about their runs."""
