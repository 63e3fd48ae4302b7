"""One chronological view per patient: scores, sessions, medications, therapy, alerts and notes."""
