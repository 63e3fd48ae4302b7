"""The CapabilityStatement served at ``/fhir/R4/metadata`` (what this server does, FHIR 4.0.1)."""

from __future__ import annotations

from datetime import datetime

from ketacare.interop.fhir.export import RESOURCE_TYPES
from ketacare.interop.fhir.mapping import BASE, Json

EXPORT_OPERATION = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"


def capability_statement(base_url: str, published: datetime) -> Json:
    resources: list[Json] = [
        {
            "type": kind,
            "interaction": [{"code": "read"}]
            + ([{"code": "create"}] if kind == "QuestionnaireResponse" else []),
        }
        for kind in RESOURCE_TYPES
    ]
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
                "operation": [{"name": "export", "definition": EXPORT_OPERATION}],
            }
        ],
    }
