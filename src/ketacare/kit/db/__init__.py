"""Database infrastructure: engine, sessions, the declarative base and column types."""
