"""The instruments' FHIR R4 Questionnaires: built from the instrument files only (validated with the
fhir.resources R4B models), matching the QuestionnaireResponses we really export (every linkId
and every answer is one of the item's answerOptions), and served at /fhir/R4/Questionnaire (read,
search) on both databases."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B import get_fhir_model_class
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts.models import Clinic, User
from ketacare.audit.models import AuditEvent
from ketacare.config import Settings
from ketacare.interop.fhir import export as fhir_export
from ketacare.interop.fhir import mapping
from ketacare.interop.fhir import questionnaire as fq
from ketacare.interop.fhir.mapping import CODE_SYSTEM, LOINC, questionnaire_url
from ketacare.kit.db.session import transaction
from ketacare.scales.definitions import load_instruments
from tests.conftest import bearer_for, login, post_form
from tests.interop.test_fhir_export import _world
from tests.scales.test_entry_and_api import MADRS_32

FHIR = "/fhir/R4"
INSTRUMENTS = load_instruments()
ORDINAL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
# HAM-D17 with item 16 "Not assessed" (stored 3, scores 0): a local answer code and an ordinal of 0.
HAMD17 = {f"item-{n}": "1" for n in range(1, 18)} | {"item-16": "3"}


def _valid(resource: dict[str, Any]) -> dict[str, Any]:
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return resource


def _ordinal(coding: dict[str, Any]) -> Any:
    return next(e["valueDecimal"] for e in coding["extension"] if e["url"] == ORDINAL)


# --- The mapping (pure) ------------------------------------------------------------------------


@pytest.mark.parametrize("instrument_id", sorted(INSTRUMENTS))
def test_every_instrument_is_a_valid_questionnaire_of_its_file(instrument_id: str) -> None:
    instrument = INSTRUMENTS[instrument_id]
    resource = _valid(fq.questionnaire(instrument))
    assert resource["url"] == questionnaire_url(instrument_id)
    assert resource["id"] == instrument_id.replace("_", "-")
    assert resource["version"] == instrument.version and resource["status"] == "active"
    assert resource["title"] == instrument.name
    assert resource["name"][0].isupper() and resource["name"].isalnum()
    assert instrument.licence in resource["copyright"]
    if instrument.loinc_panel:
        assert resource["code"] == [{"system": LOINC, "code": instrument.loinc_panel}]
    else:
        assert "code" not in resource
    assert [i["linkId"] for i in resource["item"]] == [i.id for i in instrument.items]
    for entry, item in zip(resource["item"], instrument.items, strict=True):
        assert entry["text"] == item.label  # exactly the file's text, nothing from elsewhere
        assert entry["type"] == "choice" and entry["required"] is item.required
        assert entry.get("code") == (
            [{"system": LOINC, "code": item.loinc}] if item.loinc else None
        )
        options = instrument.options_for(item)
        codings = [o["valueCoding"] for o in entry["answerOption"]]
        assert [c["display"] for c in codings] == [o.label for o in options]
        assert [_ordinal(c) for c in codings] == [o.points for o in options]
        for coding, option in zip(codings, options, strict=True):
            expected = (
                (LOINC, option.code)
                if option.code
                else (CODE_SYSTEM, mapping.answer_code(instrument_id, item.options, option.value))
            )
            assert (coding["system"], coding["code"]) == expected


def test_short_label_instruments_say_so_and_carry_their_licence() -> None:
    madrs = fq.questionnaire(INSTRUMENTS["madrs"])
    assert INSTRUMENTS["madrs"].wording == "short_labels"
    assert fq.SHORT_LABELS_NOTE in madrs["description"]
    assert madrs["copyright"] == "Copyrighted; treat as licence required."
    assert fq.SHORT_LABELS_NOTE not in fq.questionnaire(INSTRUMENTS["moaas"])["description"]


def test_phq9_uses_loinc_and_hamd_not_assessed_scores_zero() -> None:
    phq9 = fq.questionnaire(INSTRUMENTS["phq9"])
    item9 = next(i for i in phq9["item"] if i["linkId"] == "9")
    assert item9["code"] == [{"system": LOINC, "code": "44260-8"}]
    assert [o["valueCoding"]["code"] for o in item9["answerOption"]] == [
        "LA6568-5",
        "LA6569-3",
        "LA6570-1",
        "LA6571-9",
    ]
    item10 = next(i for i in phq9["item"] if i["linkId"] == "10")
    assert item10["required"] is False
    hamd = fq.questionnaire(INSTRUMENTS["hamd17"])
    weight = next(i for i in hamd["item"] if i["linkId"] == "16")
    not_assessed = weight["answerOption"][-1]["valueCoding"]
    assert not_assessed["code"] == "hamd17-answer-weight_loss-3"
    assert not_assessed["display"] == "Not assessed" and _ordinal(not_assessed) == 0


def test_cssrs_follow_up_items_are_enabled_by_a_yes() -> None:
    cssrs = fq.questionnaire(INSTRUMENTS["cssrs_screener"])
    items = {i["linkId"]: i for i in cssrs["item"]}
    yes = {"system": LOINC, "code": "LA33-6", "display": "Yes"}
    for follow_up in ("3", "4", "5"):
        assert items[follow_up]["enableWhen"] == [
            {"question": "2", "operator": "=", "answerCoding": yes}
        ]
    assert items["6b"]["enableWhen"][0]["question"] == "6"
    assert "enableWhen" not in items["1"]


def test_find_and_url_search() -> None:
    assert fq.find(INSTRUMENTS, "cssrs-screener") is INSTRUMENTS["cssrs_screener"]
    assert fq.find(INSTRUMENTS, "cssrs_screener") is INSTRUMENTS["cssrs_screener"]
    assert fq.find(INSTRUMENTS, "beck") is None
    phq9 = INSTRUMENTS["phq9"]
    assert fq.matches(phq9, None) and fq.matches(phq9, questionnaire_url("phq9"))
    assert fq.matches(phq9, questionnaire_url("phq9") + "|1")
    assert not fq.matches(phq9, questionnaire_url("phq9") + "|2")
    assert not fq.matches(phq9, questionnaire_url("gad7"))


# --- Against real exported responses and over HTTP (both databases) ---------------------------


@pytest.fixture
def physician(make_user: Callable[..., User]) -> User:
    return make_user("physician")


@pytest.fixture
def token(
    session_factory: sessionmaker[Session], settings: Settings, physician: User
) -> dict[str, str]:
    return bearer_for(session_factory, settings, physician)


@pytest.fixture
def api(new_client: Callable[[], TestClient]) -> TestClient:
    return new_client()


def _check_response(response: dict[str, Any], questionnaire: dict[str, Any]) -> int:
    """Every linkId of the response is an item of the questionnaire and every answer one of the
    item's answerOptions; returns how many answers were checked."""
    items = {i["linkId"]: i for i in questionnaire["item"]}
    checked = 0
    for entry in response["item"]:
        assert entry["linkId"] in items, entry
        item = items[entry["linkId"]]
        assert entry["text"] == item["text"]
        options = [o["valueCoding"] for o in item["answerOption"]]
        for answer in entry["answer"]:
            given = answer["valueCoding"]  # every known answer is one of the options
            assert (given["system"], given["code"]) in {(o["system"], o["code"]) for o in options}
            checked += 1
    return checked


def test_exported_responses_match_their_served_questionnaires(
    client: TestClient,
    api: TestClient,
    physician: User,
    token: dict[str, str],
    db: Session,
    session_factory: sessionmaker[Session],
    clinic: Clinic,
    tmp_path: Path,
) -> None:
    login(client, physician)
    world = _world(client, db)  # a PHQ-9 (LOINC answers)
    patient_id = world["patient_id"]
    for instrument_id, answers in (("madrs", MADRS_32), ("hamd17", HAMD17)):  # local answers
        form = {name: str(value) for name, value in answers.items()}
        saved = post_form(client, f"/patients/{patient_id}/scales/{instrument_id}", form)
        assert saved.status_code == 303, saved.text
    with transaction(session_factory) as session:
        fhir_export.export_clinic(session, clinic.id, tmp_path, load_instruments())
    lines = (tmp_path / "QuestionnaireResponse.ndjson").read_text().splitlines()
    responses = [json.loads(line) for line in lines]
    checked: dict[str, int] = {}
    for response in responses:
        canonical, _, version = response["questionnaire"].partition("|")
        found = api.get(f"{FHIR}/Questionnaire", params={"url": canonical}, headers=token)
        assert found.status_code == 200, found.text
        bundle = _valid(found.json())
        assert bundle["total"] == 1
        questionnaire = bundle["entry"][0]["resource"]
        assert questionnaire["url"] == canonical and questionnaire["version"] == version
        checked[questionnaire["id"]] = _check_response(response, questionnaire)
    # PHQ-9 items 1-9 (item 10 left out) with LOINC answers; MADRS and HAM-D17 with local ones
    assert {"phq9": 9, "madrs": 10, "hamd17": 17}.items() <= checked.items()


def test_read_search_auth_and_audit(
    api: TestClient,
    token: dict[str, str],
    make_user: Callable[..., User],
    session_factory: sessionmaker[Session],
    settings: Settings,
    db: Session,
) -> None:
    for instrument in INSTRUMENTS.values():
        fhir_id = instrument.id.replace("_", "-")
        response = api.get(f"{FHIR}/Questionnaire/{fhir_id}", headers=token)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/fhir+json")
        assert _valid(response.json()) == fq.questionnaire(instrument)
    by_instrument_id = api.get(f"{FHIR}/Questionnaire/cssrs_screener", headers=token)
    assert by_instrument_id.json()["id"] == "cssrs-screener"

    missing = api.get(f"{FHIR}/Questionnaire/beck", headers=token)
    assert missing.status_code == 404
    outcome = _valid(missing.json())
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "not-found"

    search = api.get(f"{FHIR}/Questionnaire", headers=token)
    assert search.status_code == 200
    bundle = _valid(search.json())
    assert bundle["type"] == "searchset" and bundle["total"] == len(INSTRUMENTS)
    assert {e["resource"]["url"] for e in bundle["entry"]} == {
        questionnaire_url(i) for i in INSTRUMENTS
    }
    assert all(
        e["fullUrl"].endswith(f"/fhir/R4/Questionnaire/{e['resource']['id']}")
        for e in bundle["entry"]
    )
    versioned = api.get(
        f"{FHIR}/Questionnaire", params={"url": questionnaire_url("gad7") + "|1"}, headers=token
    )
    assert [e["resource"]["id"] for e in versioned.json()["entry"]] == ["gad7"]
    none = api.get(f"{FHIR}/Questionnaire", params={"url": "https://x.test/Q/1"}, headers=token)
    assert _valid(none.json())["total"] == 0 and "entry" not in none.json()

    assert api.get(f"{FHIR}/Questionnaire").status_code == 401
    assert api.get(f"{FHIR}/Questionnaire/phq9").status_code == 401
    desk = bearer_for(session_factory, settings, make_user("front_desk"))
    assert api.get(f"{FHIR}/Questionnaire/phq9", headers=desk).status_code == 403
    assert api.get(f"{FHIR}/Questionnaire", headers=desk).status_code == 403

    reads = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "fhir.read", AuditEvent.resource_type == "Questionnaire"
        )
    ).all()
    assert len(reads) == len(INSTRUMENTS) + 1
    assert all(event.patient_id is None for event in reads)
    searches = db.scalars(select(AuditEvent).where(AuditEvent.action == "fhir.search")).all()
    assert len(searches) == 3


def test_capability_statement_lists_questionnaire(api: TestClient) -> None:
    body = _valid(api.get(f"{FHIR}/metadata").json())
    entry = next(r for r in body["rest"][0]["resource"] if r["type"] == "Questionnaire")
    assert entry["interaction"] == [{"code": "read"}, {"code": "search-type"}]
    assert entry["searchParam"][0]["name"] == "url"
