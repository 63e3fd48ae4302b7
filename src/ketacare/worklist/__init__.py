"""The start page: what needs a clinician's attention now (safety alerts first)."""
