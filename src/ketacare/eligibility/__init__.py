"""Eligibility before the first dose: TRD staging, contraindications, interactions, consent."""
