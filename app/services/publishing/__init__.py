"""Beyond pages: API reads, feeds, export, status, watches, webhooks; the content version."""
