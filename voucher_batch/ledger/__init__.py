"""The ledger: append-only entries in SQLite or PostgreSQL, reached through one unit of work."""
