"""The police and leader web panel, and the JSON API under /api/v1."""
