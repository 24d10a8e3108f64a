"""What every request passes through around the routes: limits, checks, headers, errors."""
