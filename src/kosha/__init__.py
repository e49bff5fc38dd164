"""Kosha: multi-tenant code indexing and search."""

__version__ = "0.1.0"
