"""The catalog: which models, labs and providers exist, who made what, and the lists of them."""
