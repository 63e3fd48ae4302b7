"""Pure functions from ORM rows to FHIR R4 resources as plain JSON dicts (no I/O, no validation).

Codes: LOINC only where scales_fhir.md confirms them (vital signs §5.4, instrument codes carried by
the instrument files); everything else is a code in the project code system ``CODE_SYSTEM``.
RxNorm and SNOMED CT codes for ketamine and the IV route are unconfirmed there, so medications and
routes are coded in the project system with their text. Resource ids are the row UUIDs; a vital
reading yields one Observation per measure, with the measure appended to the reading's id.

Scale answers: the total is one Observation (category survey or exam) whose components hold the
item values (valueInteger, the answer as stored), so a score travels with its items in one
resource; the QuestionnaireResponse carries the same answers with their LOINC answer codes.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from ketacare.medications.models import PatientMedication
from ketacare.patients.models import Patient
from ketacare.scales.definitions import Instrument
from ketacare.scales.models import ScaleResponse
from ketacare.treatment.session_models import SessionEvent, TreatmentSession, VitalReading

Json = dict[str, Any]

BASE = "https://ketacare.org/fhir"
CODE_SYSTEM = f"{BASE}/CodeSystem/ketacare"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
AE_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
AE_OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"


def mrn_system(clinic_id: uuid.UUID) -> str:
    """MRNs are unique within a clinic, so each clinic has its own identifier system."""
    return f"{BASE}/sid/clinic/{clinic_id}/mrn"


def questionnaire_url(instrument_id: str) -> str:
    return f"{BASE}/Questionnaire/{instrument_id}"


def _ref(resource_type: str, row_id: object) -> Json:
    return {"reference": f"{resource_type}/{row_id}"}


def _dt(value: datetime) -> str:
    return value.isoformat()


def _period(start: datetime | date | None, end: datetime | date | None) -> Json:
    period: Json = {}
    if start is not None:
        period["start"] = start.isoformat()
    if end is not None:
        period["end"] = end.isoformat()
    return period


def _coding(system: str, code: str, display: str | None = None) -> Json:
    coding: Json = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _concept(system: str, code: str, display: str | None = None, text: str | None = None) -> Json:
    concept: Json = {"coding": [_coding(system, code, display)]}
    if text:
        concept["text"] = text
    return concept


def _local(code: str, display: str | None = None) -> Json:
    return _concept(CODE_SYSTEM, code, display, display)


def _quantity(value: float, unit: str, code: str | None = None) -> Json:
    return {"value": value, "unit": unit, "system": UCUM, "code": code or unit}


def _category(code: str) -> list[Json]:
    return [_concept(OBSERVATION_CATEGORY, code)]


def _slug(text: str) -> str:
    return "-".join(text.lower().split())


# --- Patient -----------------------------------------------------------------------------------


def patient(row: Patient) -> Json:
    resource: Json = {
        "resourceType": "Patient",
        "id": str(row.id),
        "identifier": [
            {
                "use": "usual",
                "type": _concept(IDENTIFIER_TYPE, "MR", "Medical record number"),
                "system": mrn_system(row.clinic_id),
                "value": row.mrn,
            }
        ],
        "active": True,
        "name": [{"use": "official", "family": row.family_name, "given": [row.given_name]}],
        "gender": row.sex,  # the stored values are exactly the FHIR administrative genders
        "birthDate": row.date_of_birth.isoformat(),
    }
    telecom = [
        {"system": system, "value": value}
        for system, value in (("phone", row.phone), ("email", row.email))
        if value
    ]
    if telecom:
        resource["telecom"] = telecom
    if row.address:
        resource["address"] = [{"text": row.address}]
    return resource


# --- Vital signs -------------------------------------------------------------------------------

_BP_CODE = (LOINC, "85354-9", "Blood pressure panel")
_BP_PARTS = (("8480-6", "Systolic blood pressure"), ("8462-4", "Diastolic blood pressure"))
_BP_UNIT = ("mmHg", "mm[Hg]")
_HR_CODE = (LOINC, "8867-4", "Heart rate")
_HR_UNIT = ("beats/min", "/min")
_SPO2_CODINGS = (
    (LOINC, "2708-6", "Oxygen saturation in Arterial blood"),
    (LOINC, "59408-5", "Oxygen saturation by Pulse oximetry"),
)
_SPO2_UNIT = ("%", None)
_RR_CODE = (LOINC, "9279-1", "Respiratory rate")
_RR_UNIT = ("breaths/min", "/min")


def _vital(reading: VitalReading, patient_id: uuid.UUID, suffix: str, code: Json) -> Json:
    return {
        "resourceType": "Observation",
        "id": f"{reading.id}-{suffix}",
        "status": "final",
        "category": _category("vital-signs"),
        "code": code,
        "subject": _ref("Patient", patient_id),
        "encounter": _ref("Encounter", reading.session_id),
        "effectiveDateTime": _dt(reading.measured_at),
        "device": {"display": reading.device},
    }


def vital_observations(reading: VitalReading, patient_id: uuid.UUID) -> list[Json]:
    """One Observation per measure taken (R4 vital-signs profiles; LOINC from scales_fhir.md §5.4).

    ``vital_lines`` writes the same resources straight as NDJSON text for the bulk export."""
    found: list[Json] = []
    if reading.systolic_mmhg is not None or reading.diastolic_mmhg is not None:
        bp = _vital(reading, patient_id, "bp", _concept(*_BP_CODE))
        bp["component"] = [
            {
                "code": _concept(LOINC, code, display),
                "valueQuantity": _quantity(value, *_BP_UNIT),
            }
            for (code, display), value in zip(
                _BP_PARTS, (reading.systolic_mmhg, reading.diastolic_mmhg), strict=True
            )
            if value is not None
        ]
        found.append(bp)
    if reading.heart_rate_bpm is not None:
        hr = _vital(reading, patient_id, "hr", _concept(*_HR_CODE))
        hr["valueQuantity"] = _quantity(reading.heart_rate_bpm, *_HR_UNIT)
        found.append(hr)
    if reading.spo2_pct is not None:
        code = {"coding": [_coding(*coding) for coding in _SPO2_CODINGS]}
        spo2 = _vital(reading, patient_id, "spo2", code)
        spo2["valueQuantity"] = _quantity(reading.spo2_pct, *_SPO2_UNIT)
        found.append(spo2)
    if reading.resp_rate is not None:
        rr = _vital(reading, patient_id, "rr", _concept(*_RR_CODE))
        rr["valueQuantity"] = _quantity(reading.resp_rate, *_RR_UNIT)
        found.append(rr)
    return found


# The same Observations as text. The export writes about four per reading, well over a million for
# a large clinic, so the parts every Observation shares are serialised once here, the parts a
# reading's Observations share once per reading, and only the values per measure. The text is
# what ``json.dumps(resource, separators=(",", ":"), ensure_ascii=False)`` gives for the dict
# ``vital_observations`` builds; the tests hold the two to that.


def dumps(resource: Any) -> str:
    """The export's JSON text of one resource: compact, UTF-8 characters unescaped."""
    return json.dumps(resource, separators=(",", ":"), ensure_ascii=False)


def _quantity_tail(unit: str, code: str | None) -> str:
    """The text of a quantity after its value: ``,"unit":...}``."""
    return "," + dumps(_quantity(0, unit, code))[len('{"value":0,') :]


_VITAL_HEAD = ',"status":"final","category":' + dumps(_category("vital-signs")) + ',"code":'
_BP_TEXT = 'bp"' + _VITAL_HEAD + dumps(_concept(*_BP_CODE))
_BP_COMPONENTS = tuple(
    '{"code":' + dumps(_concept(LOINC, code, display)) + ',"valueQuantity":{"value":'
    for code, display in _BP_PARTS
)
_BP_TAIL = _quantity_tail(*_BP_UNIT) + "}"
_HR_TEXT = 'hr"' + _VITAL_HEAD + dumps(_concept(*_HR_CODE))
_HR_TAIL = _quantity_tail(*_HR_UNIT) + "}\n"
_SPO2_TEXT = (
    'spo2"' + _VITAL_HEAD + dumps({"coding": [_coding(*coding) for coding in _SPO2_CODINGS]})
)
_SPO2_TAIL = _quantity_tail(*_SPO2_UNIT) + "}\n"
_RR_TEXT = 'rr"' + _VITAL_HEAD + dumps(_concept(*_RR_CODE))
_RR_TAIL = _quantity_tail(*_RR_UNIT) + "}\n"
_VALUE = ',"valueQuantity":{"value":'


@lru_cache(maxsize=1024)
def _json_string(text: str) -> str:
    return dumps(text)


def _number(value: object) -> str:
    return str(value) if type(value) is int else dumps(value)


def vital_lines(
    reading_id: str,
    session_id: str,
    patient_id: str,
    device: str,
    measured_at: datetime,
    measures: tuple[object, object, object, object, object],
) -> list[str]:
    """``vital_observations`` of one reading as NDJSON lines (each ending in a newline).

    Ids are the UUIDs' text; ``measures`` are systolic, diastolic, heart rate, SpO2 and
    respiratory rate, each None when not taken."""
    systolic, diastolic, heart_rate, spo2, resp_rate = measures
    head = '{"resourceType":"Observation","id":"' + reading_id + "-"
    shared = (
        ',"subject":{"reference":"Patient/'
        + patient_id
        + '"},"encounter":{"reference":"Encounter/'
        + session_id
        + '"},"effectiveDateTime":"'
        + measured_at.isoformat()
        + '","device":{"display":'
        + _json_string(device)
        + "}"
    )
    lines = []
    if systolic is not None or diastolic is not None:
        parts = [
            _BP_COMPONENTS[index] + _number(value) + _BP_TAIL
            for index, value in ((0, systolic), (1, diastolic))
            if value is not None
        ]
        lines.append(head + _BP_TEXT + shared + ',"component":[' + ",".join(parts) + "]}\n")
    if heart_rate is not None:
        lines.append(head + _HR_TEXT + shared + _VALUE + _number(heart_rate) + _HR_TAIL)
    if spo2 is not None:
        lines.append(head + _SPO2_TEXT + shared + _VALUE + _number(spo2) + _SPO2_TAIL)
    if resp_rate is not None:
        lines.append(head + _RR_TEXT + shared + _VALUE + _number(resp_rate) + _RR_TAIL)
    return lines


# --- Scales ------------------------------------------------------------------------------------


def _item_code(instrument_id: str, item_id: str, instrument: Instrument | None) -> Json:
    label = None
    if instrument is not None:
        item = next((i for i in instrument.items if i.id == item_id), None)
        if item is not None:
            label = item.label
            if item.loinc:
                return _concept(LOINC, item.loinc, label, label)
    return _local(f"{instrument_id}-item-{item_id}", label)


def scale_observation(row: ScaleResponse, instrument: Instrument | None) -> Json:
    """The total (or, for a triage instrument, the risk tier) with the item values as components."""
    name = instrument.short_name if instrument else row.instrument_id
    loinc_total = row.loinc_total or (instrument.loinc_total if instrument else None)
    code = (
        _concept(LOINC, loinc_total, f"{name} total score", f"{name} total score")
        if loinc_total
        else _local(f"{row.instrument_id}-total", f"{name} total score")
    )
    category = instrument.fhir_category if instrument else "survey"
    resource: Json = {
        "resourceType": "Observation",
        "id": str(row.id),
        "status": "final",
        "category": _category(category),
        "code": code,
        "subject": _ref("Patient", row.patient_id),
        "effectiveDateTime": _dt(row.administered_at),
        "issued": _dt(row.created_at),
        "derivedFrom": [_ref("QuestionnaireResponse", row.id)],
    }
    if row.total is not None:
        resource["valueQuantity"] = _quantity(row.total, "{score}")
    elif row.risk:
        resource["code"] = _local(f"{row.instrument_id}-risk", f"{name} risk level")
        resource["valueCodeableConcept"] = _local(f"{row.instrument_id}-risk-{row.risk}", row.risk)
    else:
        resource["dataAbsentReason"] = _concept(
            "http://terminology.hl7.org/CodeSystem/data-absent-reason", "not-performed"
        )
    if row.severity:
        resource["interpretation"] = [
            _local(f"{row.instrument_id}-severity-{_slug(row.severity)}", row.severity)
        ]
    resource["component"] = [
        {"code": _item_code(row.instrument_id, item_id, instrument), "valueInteger": value}
        for item_id, value in row.answers.items()
    ]
    if not resource["component"]:
        del resource["component"]
    return resource


def answer_code(instrument_id: str, option_set: str, value: int) -> str:
    """The project code of an answer that has no LOINC code (as the Questionnaire offers it)."""
    return f"{instrument_id}-answer-{option_set}-{value}"


def _answer(instrument: Instrument | None, item_id: str, value: int) -> Json:
    """The answer as the served Questionnaire's option: its LOINC answer code where the instrument
    has one, else its project code; ``valueInteger`` only for an unknown instrument or value."""
    if instrument is not None:
        item = next((i for i in instrument.items if i.id == item_id), None)
        if item is not None:
            option = next((o for o in instrument.options_for(item) if o.value == value), None)
            if option is not None and option.code:
                return {"valueCoding": _coding(LOINC, option.code, option.label)}
            if option is not None:
                code = answer_code(instrument.id, item.options, value)
                return {"valueCoding": _coding(CODE_SYSTEM, code, option.label)}
    return {"valueInteger": value}


def questionnaire_response(row: ScaleResponse, instrument: Instrument | None) -> Json:
    items = []
    for item_id, value in row.answers.items():
        entry: Json = {"linkId": item_id, "answer": [_answer(instrument, item_id, value)]}
        definition = (
            next((i for i in instrument.items if i.id == item_id), None) if instrument else None
        )
        if definition is not None:
            entry["text"] = definition.label
        items.append(entry)
    resource: Json = {
        "resourceType": "QuestionnaireResponse",
        "id": str(row.id),
        "questionnaire": f"{questionnaire_url(row.instrument_id)}|{row.instrument_version}",
        "status": "completed",
        "subject": _ref("Patient", row.patient_id),
        "authored": _dt(row.administered_at),
        "source": _ref("Patient", row.patient_id)
        if row.source == "patient"
        else {"display": row.source},
    }
    if items:
        resource["item"] = items
    return resource


# --- Treatment sessions ------------------------------------------------------------------------

_ENCOUNTER_STATUS = {
    "scheduled": "planned",
    "checked_in": "arrived",
    "prechecked": "in-progress",
    "dosing": "in-progress",
    "observation": "in-progress",
    "discharged": "finished",
    "aborted": "finished",
    "cancelled": "cancelled",
}
_MEDICATIONS = {"iv_ketamine": "ketamine", "esketamine": "esketamine"}


def encounter(row: TreatmentSession) -> Json:
    resource: Json = {
        "resourceType": "Encounter",
        "id": str(row.id),
        "status": _ENCOUNTER_STATUS.get(row.state, "unknown"),
        "class": _coding(ACT_CODE, "AMB", "ambulatory"),
        "type": [_local(f"session-{row.treatment}", f"{_MEDICATIONS.get(row.treatment)} session")],
        "subject": _ref("Patient", row.patient_id),
        "period": _period(row.checked_in_at, row.discharged_at),
    }
    return resource


@dataclass(frozen=True)
class Administration:
    """A session whose dosing started, with the dose recorded as given on its course session."""

    session: TreatmentSession
    dose_given_mg: float | None


def medication_administration(found: Administration) -> Json:
    row = found.session
    if row.dosing_ended_at is not None:
        status = "stopped" if row.state == "aborted" else "completed"
    else:
        status = "stopped" if row.state in ("aborted", "cancelled") else "in-progress"
    drug = _MEDICATIONS.get(row.treatment, row.treatment)
    delivered = found.dose_given_mg
    text = f"{drug} {row.route}: ordered {row.ordered_dose_mg:g} mg"
    if delivered is not None:
        text += f", delivered {delivered:g} mg"
    if row.ordered_rate_ml_per_h is not None:
        text += f" at {row.ordered_rate_ml_per_h:g} mL/h"
    dosage: Json = {
        "text": text,
        "route": _local(f"route-{row.route}", row.route),
        "dose": _quantity(delivered if delivered is not None else row.ordered_dose_mg, "mg"),
    }
    if row.ordered_rate_ml_per_h is not None:
        dosage["rateQuantity"] = _quantity(row.ordered_rate_ml_per_h, "mL/h")
    resource: Json = {
        "resourceType": "MedicationAdministration",
        "id": str(row.id),
        "status": status,
        "medicationCodeableConcept": _local(drug, drug),
        "subject": _ref("Patient", row.patient_id),
        "context": _ref("Encounter", row.id),
        "effectivePeriod": _period(row.dosing_started_at, row.dosing_ended_at),
        "dosage": dosage,
    }
    if row.lot_number:
        resource["note"] = [{"text": f"lot {row.lot_number}"}]
    return resource


def medication_statement(row: PatientMedication) -> Json:
    return {
        "resourceType": "MedicationStatement",
        "id": str(row.id),
        "status": "active" if row.stopped_on is None else "completed",
        "medicationCodeableConcept": {"text": row.drug_name},
        "subject": _ref("Patient", row.patient_id),
        "effectivePeriod": _period(row.started_on, row.stopped_on),
        "dateAsserted": _dt(row.created_at),
        "dosage": [{"text": f"{row.dose_amount:g} {row.dose_unit} {row.frequency}"}],
    }


def adverse_event(
    row: SessionEvent, patient_id: uuid.UUID, resolved: bool, administered: bool
) -> Json:
    """An adverse event recorded at the chair (events_at_chair.AdverseEventIn in ``detail``)."""
    detail: Mapping[str, Any] = row.detail
    kind = str(detail.get("type", "other"))
    note = str(detail.get("note") or "")
    resource: Json = {
        "resourceType": "AdverseEvent",
        "id": str(row.id),
        "actuality": "actual",
        "event": _concept(
            CODE_SYSTEM, f"ae-{_slug(kind)}", kind, f"{kind}: {note}" if note else kind
        ),
        "subject": _ref("Patient", patient_id),
        "encounter": _ref("Encounter", row.session_id),
        "date": str(detail.get("onset") or _dt(row.at)),
        "recordedDate": _dt(row.at),
        "outcome": _concept(AE_OUTCOME, "resolved" if resolved else "ongoing"),
    }
    severity = detail.get("severity")
    if severity in ("mild", "moderate", "severe"):
        resource["severity"] = _concept(AE_SEVERITY, str(severity))
    if administered:
        resource["suspectEntity"] = [{"instance": _ref("MedicationAdministration", row.session_id)}]
    return resource
