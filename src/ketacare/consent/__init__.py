"""Informed consent: versioned documents per treatment and the patients' signatures."""
