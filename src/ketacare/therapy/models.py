"""Psychotherapy rows (filled in by the therapy work)."""
