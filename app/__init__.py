"""Model Atlas: a self-hostable catalog of AI models."""
