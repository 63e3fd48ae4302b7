"""Outbox rows (filled in by the messaging work)."""
