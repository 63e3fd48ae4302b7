"""Medications: the drug table (data) and each patient's current medication list."""
