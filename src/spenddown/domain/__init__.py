"""The pure core: no framework, no database, no I/O."""
