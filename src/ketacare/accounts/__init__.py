"""Clinics, users and roles, sessions, MFA, API tokens and login throttling."""
