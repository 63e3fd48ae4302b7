"""Outcomes dashboard: cohort statistics for a clinic beside published benchmarks."""
