"""Renderers: records and graphs to response bytes (HTML with RDFa, simple API, JSON-LD)."""
