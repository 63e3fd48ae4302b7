"""FHIR R4 projection of the clinical record: pure mapping functions and the Bulk Data NDJSON export."""
