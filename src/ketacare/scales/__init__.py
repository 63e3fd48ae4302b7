"""Measurement-based care: rating-scale definitions as data, exact scoring, entry, alerts, outcomes."""
