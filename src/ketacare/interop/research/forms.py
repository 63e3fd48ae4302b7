"""The research forms (one file per form) and their fields: the single source of the CSV header,
the Parquet schema, the REDCap data dictionary and the single REDCap import file's columns.

Field names are unique across forms (REDCap requires it), so each form's fields carry its prefix.
``identifier`` marks what the de-identified export leaves out (REDCap's "Identifier?" column):
direct identifiers and every free-text field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["record", "text", "integer", "number", "date", "yesno", "dropdown", "items"]

REPEAT_FIELDS = ("redcap_repeat_instrument", "redcap_repeat_instance")
DICTIONARY_HEADER = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    label: str
    choices: tuple[str, ...] = ()
    note: str = ""
    identifier: bool = False
    minimum: str = ""
    maximum: str = ""


@dataclass(frozen=True)
class Form:
    name: str
    label: str
    fields: tuple[Field, ...]
    repeating: bool = True

    def columns(self, deidentified: bool) -> tuple[Field, ...]:
        """The fields written in this mode (``record_id`` first, identifiers only if identified)."""
        return tuple(f for f in self.fields if not (deidentified and f.identifier))

    def header(self, deidentified: bool) -> list[str]:
        names = [f.name for f in self.columns(deidentified)]
        return [names[0], *REPEAT_FIELDS, *names[1:]] if self.repeating else names


RECORD = Field("record_id", "record", "Record ID", note="A pseudonym when de-identified")
SEXES = ("female", "male", "other", "unknown")
TREATMENTS = ("iv_ketamine", "esketamine")

PATIENTS = Form(
    "patients",
    "Patients",
    (
        RECORD,
        Field("mrn", "text", "Medical record number", identifier=True),
        Field("given_name", "text", "Given name", identifier=True),
        Field("family_name", "text", "Family name", identifier=True),
        Field("date_of_birth", "date", "Date of birth", identifier=True),
        Field("email", "text", "E-mail", identifier=True),
        Field("phone", "text", "Phone", identifier=True),
        Field("address", "text", "Address", identifier=True),
        Field("referring_clinician", "text", "Referring clinician", identifier=True),
        Field("sex", "dropdown", "Sex", SEXES),
        Field(
            "age_first_course",
            "text",
            "Age at the start of the first course (years)",
            note="Ages over 89 are reported as 90+ when de-identified; empty without a course",
        ),
    ),
    repeating=False,
)

COURSES = Form(
    "courses",
    "Courses",
    (
        RECORD,
        Field("course_protocol", "text", "Protocol key"),
        Field("course_protocol_version", "integer", "Protocol version", minimum="1"),
        Field("course_treatment", "dropdown", "Treatment", TREATMENTS),
        Field("course_start", "date", "Course start"),
        Field("course_phase", "text", "Current phase"),
        Field("course_ended", "yesno", "Course ended"),
    ),
)

SCALES = Form(
    "scale_scores",
    "Scale scores",
    (
        RECORD,
        Field("scale_instrument", "text", "Instrument"),
        Field("scale_version", "text", "Instrument version"),
        Field("scale_date", "date", "Administered on"),
        Field("scale_source", "dropdown", "Entered by", ("clinician", "patient", "api")),
        Field("scale_total", "integer", "Total score"),
        Field("scale_severity", "text", "Severity band"),
        Field("scale_risk", "text", "Risk level (triage instruments)"),
        Field(
            "scale_items",
            "items",
            "Item answers",
            note="JSON object item id -> value in CSV; a map<string, int32> in Parquet",
        ),
    ),
)

SESSIONS = Form(
    "treatment_sessions",
    "Treatment sessions",
    (
        RECORD,
        Field("session_date", "date", "Session date"),
        Field("session_status", "dropdown", "Status", ("planned", "completed", "cancelled")),
        Field("session_phase", "text", "Phase"),
        Field("session_number", "integer", "Session number in the course", minimum="1"),
        Field("session_number_in_phase", "integer", "Session number in the phase", minimum="1"),
        Field(
            "session_dose_mg",
            "number",
            "Dose (mg)",
            note="Delivered dose when recorded, else the dose ordered at the chair",
        ),
        Field("session_rate_ml_per_h", "number", "Infusion rate (mL/h)"),
        Field("session_tolerated", "yesno", "Tolerated"),
        Field("session_ae_count", "integer", "Adverse events at the chair", minimum="0"),
        Field("session_max_systolic_mmhg", "integer", "Highest systolic pressure (mmHg)"),
        Field("session_note", "text", "Session note (free text)", identifier=True),
    ),
)

ADVERSE_EVENTS = Form(
    "adverse_events",
    "Adverse events",
    (
        RECORD,
        Field("ae_date", "date", "Recorded on"),
        Field("ae_type", "text", "Event type"),
        Field("ae_severity", "dropdown", "Severity", ("mild", "moderate", "severe")),
        Field("ae_resolved", "yesno", "Resolved"),
        Field("ae_session_number", "integer", "Session number in the course"),
        Field("ae_note", "text", "Note (free text)", identifier=True),
    ),
)

MEDICATIONS = Form(
    "medications",
    "Medications",
    (
        RECORD,
        Field("med_drug", "text", "Drug (generic name)"),
        Field("med_class", "text", "Drug classes", note="Semicolon-separated, from the drug table"),
        Field("med_dose", "number", "Dose"),
        Field("med_dose_unit", "text", "Dose unit"),
        Field("med_frequency", "text", "Frequency"),
        Field("med_start", "date", "Started on"),
        Field("med_stop", "date", "Stopped on"),
        Field("med_prescriber", "text", "Prescriber", identifier=True),
        Field("med_stop_reason", "text", "Reason stopped (free text)", identifier=True),
    ),
)

THERAPY = Form(
    "therapy_sessions",
    "Therapy sessions",
    (
        RECORD,
        Field("therapy_date", "date", "Held on"),
        Field("therapy_type", "text", "Therapy type"),
        Field("therapy_duration_min", "integer", "Duration (min)", minimum="1", maximum="480"),
        Field("therapy_modality", "text", "Modality"),
    ),
)

FORMS = (PATIENTS, COURSES, SCALES, SESSIONS, ADVERSE_EVENTS, MEDICATIONS, THERAPY)

_VALIDATION = {"date": "date_ymd", "integer": "integer", "number": "number"}


def flat_header(deidentified: bool) -> list[str]:
    """The single REDCap import file's columns: ``record_id``, the two repeat system columns, then
    every dictionary field in dictionary order (so each column is a field or a system column)."""
    fields = [f.name for form in FORMS for f in form.columns(deidentified) if f.kind != "record"]
    return [RECORD.name, *REPEAT_FIELDS, *fields]


def dictionary_rows(deidentified: bool) -> list[list[str]]:
    """REDCap data dictionary rows (without the header), one per field written in this mode."""
    rows: list[list[str]] = []
    for form in FORMS:
        for field in form.columns(deidentified):
            if field.kind == "record" and form is not PATIENTS:
                continue  # REDCap lists the record id once, on the first form
            field_type = {"yesno": "yesno", "dropdown": "dropdown", "items": "notes"}.get(
                field.kind, "text"
            )
            choices = " | ".join(f"{c}, {c}" for c in field.choices)
            row = [
                field.name,
                form.name,
                "",
                field_type,
                field.label,
                choices,
                field.note,
                _VALIDATION.get(field.kind, ""),
                field.minimum,
                field.maximum,
                "y" if field.identifier else "",
            ]
            rows.append(row + [""] * (len(DICTIONARY_HEADER) - len(row)))
    return rows
