"""Pure functions from instrument definitions to FHIR R4 Questionnaire resources (no I/O).

One Questionnaire per instrument file (``ketacare.scales.definitions``), at the canonical our
QuestionnaireResponses name (``mapping.questionnaire_url``). Only what the file holds goes in: item
texts are the file's labels (short labels for copyrighted instruments, never wording from
elsewhere), ``copyright`` is its licence text, LOINC codes only where the file carries them.

Items are ``choice`` questions with one ``answerOption`` per answer: a ``valueCoding`` with the LOINC
answer code where the file has one, else a code in the project code system
(``{instrument}-answer-{option set}-{value}``, see ``answer_code``), carrying the points the answer
adds to the total in the ``ordinalValue`` extension. ``linkId`` is the item id, as in the
QuestionnaireResponse. Items shown only after another answer (C-SSRS) get ``enableWhen``.

FHIR ids allow no underscore, so the resource id is the instrument id with ``-`` for ``_``
(``cssrs_screener`` → ``cssrs-screener``); the canonical ``url`` keeps the instrument id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from ketacare.interop.fhir.mapping import CODE_SYSTEM, LOINC, Json, answer_code, questionnaire_url
from ketacare.scales.definitions import AnswerOption, Instrument, Item

ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
SHORT_LABELS_NOTE = (
    "Item texts are the short labels the instrument file stores, not the instrument's full wording."
)


def resource_id(instrument_id: str) -> str:
    """The Questionnaire's FHIR id: the instrument id with ``-`` for ``_``."""
    return instrument_id.replace("_", "-")


def find(instruments: Mapping[str, Instrument], rid: str) -> Instrument | None:
    """The instrument read as ``Questionnaire/{rid}``: by its FHIR id or by the instrument id
    (the canonical's last segment)."""
    if rid in instruments:
        return instruments[rid]
    return next((i for i in instruments.values() if resource_id(i.id) == rid), None)


def _name(instrument: Instrument) -> str:
    """A computer-friendly name (``[A-Z][A-Za-z0-9_]*``) from the short name: PHQ-9 → PHQ9."""
    name = re.sub(r"[^A-Za-z0-9]", "", instrument.short_name) or instrument.id
    return name if name[0].isalpha() and name[0].isupper() else "Q" + name


def _answer_coding(instrument: Instrument, item: Item, option: AnswerOption) -> Json:
    if option.code:
        coding: Json = {"system": LOINC, "code": option.code}
    else:
        coding = {
            "system": CODE_SYSTEM,
            "code": answer_code(instrument.id, item.options, option.value),
        }
    coding["display"] = option.label
    return {"extension": [{"url": ORDINAL_VALUE, "valueDecimal": option.points}]} | coding


def _enable_when(instrument: Instrument, item: Item) -> Json:
    if item.show_if is None:
        return {}
    trigger = instrument.item(item.show_if.item)
    options = {o.value: o for o in instrument.options_for(trigger)}
    conditions = []
    for value in item.show_if.values:
        coding = {
            key: found
            for key, found in _answer_coding(instrument, trigger, options[value]).items()
            if key != "extension"
        }
        conditions.append({"question": trigger.id, "operator": "=", "answerCoding": coding})
    found: Json = {"enableWhen": conditions}
    if len(conditions) > 1:
        found["enableBehavior"] = "any"
    return found


def _item(instrument: Instrument, item: Item) -> Json:
    entry: Json = {"linkId": item.id}
    if item.loinc:
        entry["code"] = [{"system": LOINC, "code": item.loinc}]
    entry |= {
        "text": item.label,
        "type": "choice",
        "required": item.required,
        "answerOption": [
            {"valueCoding": _answer_coding(instrument, item, option)}
            for option in instrument.options_for(item)
        ],
    }
    return entry | _enable_when(instrument, item)


def questionnaire(instrument: Instrument) -> Json:
    """The instrument as an R4 Questionnaire (plain JSON)."""
    description = instrument.citation
    if instrument.wording == "short_labels":
        description += " " + SHORT_LABELS_NOTE
    resource: Json = {
        "resourceType": "Questionnaire",
        "id": resource_id(instrument.id),
        "url": questionnaire_url(instrument.id),
        "version": instrument.version,
        "name": _name(instrument),
        "title": instrument.name,
        "status": "active",
        "subjectType": ["Patient"],
        "publisher": "ketacare",
        "description": description,
        "copyright": " ".join(p for p in (instrument.licence, instrument.licence_note) if p),
    }
    if instrument.loinc_panel:
        resource["code"] = [{"system": LOINC, "code": instrument.loinc_panel}]
    resource["item"] = [_item(instrument, item) for item in instrument.items]
    return resource


def matches(instrument: Instrument, url: str | None) -> bool:
    """Search by ``url``: the canonical, optionally with ``|version``."""
    if url is None:
        return True
    canonical, _, version = url.partition("|")
    return canonical == questionnaire_url(instrument.id) and version in ("", instrument.version)


def searchset(instruments: Iterable[Instrument], base_url: str, self_url: str) -> Json:
    """A Bundle of type searchset with these instruments' Questionnaires."""
    entries = [
        {
            "fullUrl": f"{base_url}/Questionnaire/{resource_id(instrument.id)}",
            "resource": questionnaire(instrument),
            "search": {"mode": "match"},
        }
        for instrument in sorted(instruments, key=lambda i: i.id)
    ]
    bundle: Json = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(entries),
        "link": [{"relation": "self", "url": self_url}],
    }
    if entries:
        bundle["entry"] = entries
    return bundle
