"""Dose calculation and pharmacokinetics."""
