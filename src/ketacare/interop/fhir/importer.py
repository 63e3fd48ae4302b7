"""Import PHQ-9 and GAD-7 QuestionnaireResponses from another system, scored as our own.

Input is checked structurally with pydantic (``fhir.resources`` is a dev dependency only); unknown
elements of the foreign resource are ignored. The instrument is recognised by our ``questionnaire``
canonical, by its LOINC panel (44249-1 PHQ-9, 69737-5 GAD-7; scales_fhir.md §2.1, §2.3) as the last
segment of the canonical, or by the LOINC item codes as the ``linkId`` (or its last ``/`` segment,
as LHC-Forms writes them). Answers are LOINC answer codes (``valueCoding``) or the item value
(``valueInteger``). The patient is ``subject`` as ``Patient/<our id>`` or an identifier with this
clinic's MRN system. The response is stored through ``scales.service.record_response`` with
source ``api`` (the CHECK constraint allows clinician, patient, api; an import arrives through
the API), so alerts, charts and outcomes treat it as any other; the audit event says "fhir.import".
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketacare.audit import service as audit
from ketacare.interop.fhir import mapping
from ketacare.interop.fhir.mapping import Json
from ketacare.kit.actor import Actor
from ketacare.kit.errors import FieldProblem, InvalidInput, NotFound
from ketacare.patients import service as patients_service
from ketacare.patients.models import Patient
from ketacare.scales import service as scales_service
from ketacare.scales.definitions import Instrument, Item
from ketacare.scales.models import ScaleResponse

IMPORTABLE = ("phq9", "gad7")


class _Foreign(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Coding(_Foreign):
    system: str | None = None
    code: str | None = Field(default=None, max_length=100)


class Answer(_Foreign):
    valueCoding: Coding | None = None
    valueInteger: int | None = None


class QrItem(_Foreign):
    linkId: str = Field(max_length=200)
    answer: list[Answer] = Field(default_factory=list, max_length=10)
    item: list[QrItem] = Field(default_factory=list, max_length=100)


class Identifier(_Foreign):
    system: str | None = None
    value: str | None = Field(default=None, max_length=100)


class Reference(_Foreign):
    reference: str | None = Field(default=None, max_length=300)
    identifier: Identifier | None = None


class QuestionnaireResponseIn(_Foreign):
    resourceType: Literal["QuestionnaireResponse"]
    id: str | None = Field(default=None, max_length=64)
    questionnaire: str | None = Field(default=None, max_length=500)
    status: Literal["completed", "amended"]
    subject: Reference
    authored: datetime | None = None
    item: list[QrItem] = Field(default_factory=list, max_length=100)


def parse(body: Any) -> QuestionnaireResponseIn:
    try:
        return QuestionnaireResponseIn.model_validate(body)
    except ValidationError as error:
        raise InvalidInput(
            [
                FieldProblem(
                    ".".join(["QuestionnaireResponse", *(str(p) for p in e["loc"])]),
                    str(e["msg"]),
                )
                for e in error.errors()
            ]
        ) from None


def _code(link_id: str) -> str:
    return link_id.rstrip("/").rpartition("/")[2]


def _flat(items: list[QrItem], path: str) -> Iterator[tuple[str, QrItem]]:
    for index, item in enumerate(items):
        here = f"{path}.item[{index}]"
        if item.answer:
            yield here, item
        yield from _flat(item.item, here)


def identify(qr: QuestionnaireResponseIn, instruments: Mapping[str, Instrument]) -> Instrument:
    candidates = [instruments[i] for i in IMPORTABLE if i in instruments]
    canonical = (qr.questionnaire or "").partition("|")[0]
    for instrument in candidates:
        if canonical == mapping.questionnaire_url(instrument.id):
            return instrument
        if canonical and instrument.loinc_panel and _code(canonical) == instrument.loinc_panel:
            return instrument
    codes = {_code(item.linkId) for _, item in _flat(qr.item, "QuestionnaireResponse")}
    for instrument in candidates:
        if codes & {item.loinc for item in instrument.items if item.loinc}:
            return instrument
    raise InvalidInput.one(
        "QuestionnaireResponse.questionnaire",
        "not a PHQ-9 or GAD-7 (neither our questionnaire, its LOINC panel, nor its item codes)",
    )


@dataclass(frozen=True)
class _Match:
    instrument: Instrument

    def item(self, link_id: str) -> Item | None:
        code = _code(link_id)
        return next(
            (i for i in self.instrument.items if link_id == i.id or (i.loinc and code == i.loinc)),
            None,
        )

    def value(self, item: Item, answer: Answer) -> int | None:
        options = self.instrument.options_for(item)
        if answer.valueCoding is not None:
            system = answer.valueCoding.system
            if system in (None, mapping.LOINC):
                found = next((o for o in options if o.code == answer.valueCoding.code), None)
                return found.value if found else None
            return None
        if answer.valueInteger is not None:
            found = next((o for o in options if o.value == answer.valueInteger), None)
            return found.value if found else None
        return None


def answers_of(qr: QuestionnaireResponseIn, instrument: Instrument) -> dict[str, int]:
    """Item id → value; InvalidInput names every unknown item and bad answer by its path."""
    match = _Match(instrument)
    answers: dict[str, int] = {}
    problems: list[FieldProblem] = []
    for path, entry in _flat(qr.item, "QuestionnaireResponse"):
        if _code(entry.linkId) in (instrument.loinc_total, instrument.loinc_panel):
            continue  # a total the other system computed: we score it ourselves
        item = match.item(entry.linkId)
        if item is None:
            problems.append(
                FieldProblem(
                    f"{path}.linkId", f"'{entry.linkId}' is not an item of {instrument.short_name}"
                )
            )
            continue
        value = match.value(item, entry.answer[0]) if len(entry.answer) == 1 else None
        if value is None:
            allowed = ", ".join(
                f"{o.code or o.value}={o.value}" for o in instrument.options_for(item)
            )
            problems.append(
                FieldProblem(
                    f"{path}.answer",
                    f"item {item.id} ({item.loinc or entry.linkId}) of {instrument.short_name}: "
                    f"one answer needed, a LOINC answer code or integer among {allowed}",
                )
            )
            continue
        answers[item.id] = value
    if problems:
        raise InvalidInput(problems)
    return answers


def _patient(session: Session, actor: Actor, subject: Reference) -> Patient:
    subject_field = "QuestionnaireResponse.subject"
    if subject.reference and subject.reference.startswith("Patient/"):
        try:
            patient_id = uuid.UUID(subject.reference.removeprefix("Patient/"))
            return patients_service.get(session, actor, patient_id, audit_view=False)
        except (ValueError, NotFound):
            raise InvalidInput.one(subject_field, "no such patient in this clinic") from None
    identifier = subject.identifier
    if identifier is not None and actor.clinic_id is not None and identifier.value:
        if identifier.system != mapping.mrn_system(actor.clinic_id):
            raise InvalidInput.one(
                f"{subject_field}.identifier.system",
                f"must be this clinic's MRN system {mapping.mrn_system(actor.clinic_id)}",
            )
        found = session.scalars(
            select(Patient).where(
                Patient.clinic_id == actor.clinic_id,
                Patient.mrn == identifier.value,
                Patient.voided_at.is_(None),
            )
        ).one_or_none()
        if found is not None:
            return found
    raise InvalidInput.one(
        subject_field, "no such patient in this clinic (Patient/<id> or an MRN identifier)"
    )


def import_response(
    session: Session, actor: Actor, instruments: Mapping[str, Instrument], body: Any
) -> tuple[ScaleResponse, Json]:
    """Validate, score and store one foreign QuestionnaireResponse; returns our row and resource."""
    qr = parse(body)
    instrument = identify(qr, instruments)
    answers = answers_of(qr, instrument)
    patient = _patient(session, actor, qr.subject)
    try:
        row, _ = scales_service.record_response(
            session,
            actor,
            instrument,
            patient.id,
            answers,
            administered_at=qr.authored,
            source="api",
        )
    except InvalidInput as error:  # scoring names items by id: point at the resource instead
        raise InvalidInput(
            [
                FieldProblem(f"QuestionnaireResponse.item({p.field})", p.message, p.allowed)
                if p.field not in ("administered_at",)
                else FieldProblem("QuestionnaireResponse.authored", p.message)
                for p in error.problems
            ]
        ) from None
    audit.record(
        session,
        actor,
        "fhir.import",
        "scale_response",
        row.id,
        patient_id=patient.id,
        details={"instrument": instrument.id, "source_id": qr.id},
    )
    return row, mapping.questionnaire_response(row, instrument)
