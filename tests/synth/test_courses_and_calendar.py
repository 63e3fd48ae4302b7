"""The synthetic clinic's esketamine courses, dose steps, chair-side scales, appointments and
medication visits, checked with the app's own rules on both databases."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select, text

from ketacare.kit.db.base import Base
from ketacare.kit.db.engine import make_engine
from ketacare.protocols.library import shipped
from ketacare.protocols.schema import FixedDose
from ketacare.scheduling import calendar_settings, rules
from ketacare.synth.parameters import load_parameters
from ketacare.synth.writer import Result, write
from ketacare.treatment import discharge_rules

SCHEDULING_ZONE = ZoneInfo("UTC")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    found = make_engine(database_url)
    yield found
    found.dispose()


@pytest.fixture
def clinic(engine: Engine) -> Result:
    return write(engine, 60, 23, "synth-23", batch=25)  # a seed with courses running at as_of


def rows(engine: Engine, table: str, order: str = "id") -> list[dict[str, Any]]:
    with engine.connect() as connection:
        statement = select(Base.metadata.tables[table]).order_by(text(order))
        return [dict(row._mapping) for row in connection.execute(statement)]


def by_id(engine: Engine, table: str) -> dict[uuid.UUID, dict[str, Any]]:
    return {row["id"]: row for row in rows(engine, table)}


def test_esketamine_courses_follow_the_label_protocol(engine: Engine, clinic: Result) -> None:
    protocol = shipped()["esketamine_label"][1]
    rule = protocol.dose
    assert isinstance(rule, FixedDose)
    allowed = {rule.start_mg_age_65_and_over, rule.start_mg, rule.start_mg + rule.step_mg}
    courses = by_id(engine, "treatment_courses")
    esketamine = {i for i, c in courses.items() if c["treatment"] == "esketamine"}
    assert esketamine and len(esketamine) < len(courses)  # both kinds of course
    patients = by_id(engine, "patients")
    for course_id in esketamine:
        course = courses[course_id]
        born = patients[course["patient_id"]]["date_of_birth"]
        age = (course["started_on"] - born).days // 365
        assert course["start_dose"] == (rule.start_mg_age_65_and_over if age >= 65 else 56)
    sessions = [
        s for s in rows(engine, "course_sessions", "number") if s["course_id"] in esketamine
    ]
    induction = [s for s in sessions if s["phase"] == "induction"]
    assert max(s["number_in_phase"] for s in induction) == protocol.phases[0].sessions == 8
    given = [s for s in sessions if s["status"] == "completed"]
    assert given and {s["dose_given_mg"] for s in given} <= allowed
    assert all(s["dose_given_mg"] <= rule.max_mg for s in given)
    chair = [s for s in rows(engine, "treatment_sessions") if s["treatment"] == "esketamine"]
    assert len(chair) == len(given)
    events = defaultdict(list)
    for event in rows(engine, "session_events", "at"):
        events[event["session_id"]].append(event)
    settings = discharge_rules.load_settings()
    for row in chair:
        assert row["route"] == "intranasal" and row["ordered_rate_ml_per_h"] is None
        assert row["devices_ordered"] * rule.device_mg == row["ordered_dose_mg"]
        devices = [e for e in events[row["id"]] if e["kind"] == "device_given"]
        assert [e["detail"]["number"] for e in devices] == list(
            range(1, row["devices_ordered"] + 1)
        )
        assert not any(e["kind"].startswith("pump.") for e in events[row["id"]])
        observed = row["discharged_at"] - row["dosing_started_at"]
        assert observed >= timedelta(minutes=settings.esketamine_min_observation_min)


def test_dose_steps_are_the_protocols_and_are_followed(engine: Engine, clinic: Result) -> None:
    courses = by_id(engine, "treatment_courses")
    versions = by_id(engine, "protocol_versions")
    sessions = by_id(engine, "course_sessions")
    steps = [p for p in rows(engine, "course_proposals") if p["kind"] == "dose_step_up"]
    assert {courses[p["course_id"]]["treatment"] for p in steps} == {"iv_ketamine", "esketamine"}
    for proposal in steps:
        course = courses[proposal["course_id"]]
        protocol = shipped()[versions[course["protocol_version_id"]]["key"]][1]
        point = next(d for d in protocol.decisions if d.propose == "dose_step_up")
        after = sessions[proposal["after_session_id"]]
        assert (after["phase"], after["number_in_phase"]) == (point.phase, point.after_session)
        assert proposal["status"] == "accepted" and proposal["improvement_pct"] < 25
        assert proposal["from_dose"] == course["start_dose"]
        step = protocol.dose.step_mg_per_kg if course["treatment"] == "iv_ketamine" else 28  # type: ignore[union-attr]
        assert proposal["to_dose"] == pytest.approx(proposal["from_dose"] + step)
        later = [s for s in sessions.values() if s["course_id"] == course["id"]
                 and s["number"] > after["number"] and s["status"] == "completed"]  # fmt: skip
        if course["treatment"] == "esketamine":
            assert all(s["dose_given_mg"] == proposal["to_dose"] for s in later)
        earlier = sessions[after["id"]]["dose_given_mg"]
        assert all(s["dose_given_mg"] >= earlier for s in later)


def test_chair_side_scales_are_recorded_as_the_chair_does(engine: Engine, clinic: Result) -> None:
    versions = by_id(engine, "protocol_versions")
    courses = by_id(engine, "treatment_courses")
    sessions = by_id(engine, "course_sessions")
    responses = defaultdict(list)
    for response in rows(engine, "scale_responses", "administered_at"):
        responses[response["patient_id"]].append(response)
    settings = discharge_rules.load_settings()
    chair = rows(engine, "treatment_sessions")
    assert chair
    for row in chair:
        course = courses[sessions[row["course_session_id"]]["course_id"]]
        monitoring = shipped()[versions[course["protocol_version_id"]]["key"]][1].monitoring
        during = [r for r in responses[row["patient_id"]]
                  if row["checked_in_at"] <= r["administered_at"] <= row["discharged_at"]]  # fmt: skip
        for minute in monitoring.scales_at_min:
            due = row["dosing_started_at"] + timedelta(minutes=minute)
            found = {r["instrument_id"] for r in during if r["administered_at"] == due}
            assert found == set(monitoring.scales), row["id"]
        latest = {r["instrument_id"]: r["total"] for r in during}
        facts = discharge_rules.DischargeFacts(
            baseline=None, latest=None, latest_moaas=latest.get("moaas"),
            latest_aldrete=latest.get("aldrete"), minutes_since_dosing_ended=None,
            minutes_since_dosing_started=None, observation_min=monitoring.observation_min,
            treatment=row["treatment"], escort_present=True,
        )  # fmt: skip
        assert discharge_rules.alertness_unmet(facts, settings) == []
    cadss = [r["total"] for rs in responses.values() for r in rs if r["instrument_id"] == "cadss6"]
    assert 0 in cadss and max(cadss) > 0  # some sessions dissociated, some not
    moaas = [r["total"] for rs in responses.values() for r in rs if r["instrument_id"] == "moaas"]
    assert min(moaas) < 5 and max(moaas) == 5


def test_appointments_have_no_conflicts_by_the_apps_rules(engine: Engine, clinic: Result) -> None:
    as_of = load_parameters().period.as_of
    booked = rows(engine, "appointments")
    kinds = {a["kind"] for a in booked}
    assert kinds == {"treatment", "medication_visit"}
    places = by_id(engine, "schedule_resources")
    sessions = by_id(engine, "course_sessions")
    durations = calendar_settings.load().default_duration_min
    users = by_id(engine, "users")
    for row in booked:
        assert row["status"] == "booked" and row["starts_at"].date() > as_of
        assert row["ends_at"] - row["starts_at"] == timedelta(minutes=durations[row["kind"]])
        if row["kind"] == "treatment":
            planned = sessions[row["course_session_id"]]
            assert planned["status"] == "planned" and planned["patient_id"] == row["patient_id"]
            assert row["starts_at"].date() == planned["planned_on"]
            assert places[row["resource_id"]]["kind"] == "chair"
        else:
            assert users[row["clinician_id"]]["role"] == "physician"
    assert len({a["course_session_id"] for a in booked if a["course_session_id"]}) == len(
        [a for a in booked if a["course_session_id"]]
    )
    for row in booked:
        proposed = rules.Proposed(row["patient_id"], row["starts_at"], row["ends_at"],
                                  row["resource_id"], row["clinician_id"])  # fmt: skip
        others = [
            rules.Booked(
                o["id"],
                o["patient_id"],
                "p",
                o["kind"],
                o["starts_at"],
                o["ends_at"],
                o["resource_id"],
                "r",
                o["clinician_id"],
                "c",
            )
            for o in booked
            if o["id"] != row["id"]
        ]
        assert rules.conflicts(proposed, others, SCHEDULING_ZONE) == []


def test_medication_visit_notes(engine: Engine, clinic: Result) -> None:
    as_of = load_parameters().period.as_of
    visits = rows(engine, "medication_visits")
    assert visits and clinic.counts["medication_visits"] == len(visits)
    users = by_id(engine, "users")
    courses = {c["patient_id"]: c for c in rows(engine, "treatment_courses")}
    for visit in visits:
        assert users[visit["created_by"]]["role"] == "physician"
        assert courses[visit["patient_id"]]["started_on"] < visit["visited_on"] <= as_of
        assert "(synthetic)" in visit["assessment"] and visit["adherence"] in ("good", "partial")
