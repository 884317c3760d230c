"""Content: Babel catalogs, administrative areas, and (later) content packs."""
