"""Patients: registration, demographics with amendment history, measurements, allergies, diagnoses."""
