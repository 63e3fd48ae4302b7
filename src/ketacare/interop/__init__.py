"""Interoperability: projections of the record into standard formats (FHIR R4)."""
