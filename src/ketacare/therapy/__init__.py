"""Psychotherapy: sessions by type with structured fields, and process notes walled off."""
