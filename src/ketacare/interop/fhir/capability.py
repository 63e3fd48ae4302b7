"""The CapabilityStatement served at ``/fhir/R4/metadata`` (what this server does, FHIR 4.0.1)."""

from __future__ import annotations

from datetime import datetime

from ketacare.interop.fhir.export import RESOURCE_TYPES
from ketacare.interop.fhir.mapping import BASE, Json

EXPORT_OPERATION = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"
PATIENT_EXPORT_OPERATION = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export"
EXPORT_DOCUMENTATION = (
    "Bulk Data export (Prefer: respond-async) with _type, _since (an instant with a time zone: "
    "resources created or changed after it; voided rows are left out, not reported as deleted) "
    "and _outputFormat ndjson."
)


def capability_statement(base_url: str, published: datetime) -> Json:
    resources: list[Json] = [
        {
            "type": kind,
            "interaction": [{"code": "read"}]
            + ([{"code": "create"}] if kind == "QuestionnaireResponse" else []),
        }
        | (
            {
                "operation": [
                    {
                        "name": "export",
                        "definition": PATIENT_EXPORT_OPERATION,
                        "documentation": "All patients of the clinic. " + EXPORT_DOCUMENTATION,
                    }
                ]
            }
            if kind == "Patient"
            else {}
        )
        for kind in RESOURCE_TYPES
    ]
    resources.append(
        {
            "type": "Questionnaire",
            "documentation": "One per instrument (read-only definitions), at the canonical "
            "QuestionnaireResponse.questionnaire names.",
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": [
                {
                    "name": "url",
                    "definition": "http://hl7.org/fhir/SearchParameter/conformance-url",
                    "type": "uri",
                    "documentation": "The canonical, optionally with |version.",
                }
            ],
        }
    )
    return {
        "resourceType": "CapabilityStatement",
        "url": f"{BASE}/CapabilityStatement/ketacare",
        "name": "KetacareFhirServer",
        "title": "ketacare FHIR R4 server",
        "status": "active",
        "date": published.isoformat(),
        "publisher": "ketacare",
        "kind": "instance",
        "software": {"name": "ketacare", "version": "0.1.0"},
        "implementation": {"description": "ketacare FHIR R4 endpoint", "url": base_url},
        "fhirVersion": "4.0.1",
        "format": ["json", "application/fhir+json", "ndjson", "application/fhir+ndjson"],
        "instantiates": ["http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "description": "A personal API token (Authorization: Bearer kct_...) or a "
                    "browser session with the X-CSRF-Token header."
                },
                "resource": resources,
                "operation": [
                    {
                        "name": "export",
                        "definition": EXPORT_OPERATION,
                        "documentation": EXPORT_DOCUMENTATION,
                    }
                ],
            }
        ],
    }
