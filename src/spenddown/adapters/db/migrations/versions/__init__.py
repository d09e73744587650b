"""Alembic revisions. IDs are names, not an order: see docs/architecture.md "Storage" for the
chain (0005 → 0009 → 0006 → 0010 → 0008 → 0012 → 0007) and how to add one."""
