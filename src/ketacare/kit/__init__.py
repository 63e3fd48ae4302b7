"""Shared infrastructure: database, security and web plumbing. No clinical rules here."""
