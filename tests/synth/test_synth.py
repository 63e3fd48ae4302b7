"""The synthetic clinic: invariants on both databases, determinism, the command line."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from ketacare.audit import service as audit
from ketacare.audit.models import AuditEvent
from ketacare.cli import app as cli
from ketacare.config import Settings
from ketacare.eligibility import assessments
from ketacare.kit.actor import Actor
from ketacare.kit.db.base import Base
from ketacare.kit.db.engine import make_engine, make_session_factory
from ketacare.protocols.schema import DosePerKg
from ketacare.scales.definitions import load_instruments
from ketacare.scales.scoring import score
from ketacare.synth.parameters import load_parameters
from ketacare.synth.writer import ClinicExists, write
from ketacare.synth.writer import Result as SynthResult
from ketacare.treatment import courses, session_machine, vitals_rules
from ketacare.treatment.models import Course, CourseSession
from ketacare.treatment.session_models import SessionEvent, TreatmentSession, VitalReading
from tests.databases import SqliteDatabases

MEASURES = ("systolic_mmhg", "diastolic_mmhg", "heart_rate_bpm", "spo2_pct", "resp_rate")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    found = make_engine(database_url)
    yield found
    found.dispose()


@pytest.fixture
def clinic(engine: Engine) -> SynthResult:
    return write(engine, 30, 11, "synth-11", batch=7)


def rows(engine: Engine, table: str, order: str = "id") -> list[dict[str, Any]]:
    with engine.connect() as connection:
        statement = select(Base.metadata.tables[table]).order_by(text(order))
        return [dict(row._mapping) for row in connection.execute(statement)]


class TestInvariants:
    def test_counts_match_the_database(self, engine: Engine, clinic: SynthResult) -> None:
        for table, count in clinic.counts.items():
            assert len(rows(engine, table)) == count, table
        assert clinic.counts["patients"] == 30
        assert clinic.counts["treatment_sessions"] > 30
        assert clinic.counts["session_events"] > clinic.counts["treatment_sessions"]

    def test_every_score_is_the_instruments_scoring(
        self, engine: Engine, clinic: SynthResult
    ) -> None:
        instruments = load_instruments()
        responses = rows(engine, "scale_responses")
        assert {r["instrument_id"] for r in responses} == {
            "phq9", "madrs", "cadss6", "moaas", "aldrete"
        }  # fmt: skip
        for response in responses:
            result = score(instruments[response["instrument_id"]], response["answers"])
            assert (response["total"], response["severity"]) == (result.total, result.severity)
            assert response["flags"] == [flag.name for flag in result.flags]
        alerted = {a["response_id"] for a in rows(engine, "safety_alerts")}
        flagged = {r["id"] for r in responses if r["flags"]}
        assert alerted <= flagged

    def test_course_sessions_are_ordered_and_dated(
        self, engine: Engine, clinic: SynthResult
    ) -> None:
        as_of = load_parameters().period.as_of
        by_course: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
        for row in rows(engine, "course_sessions", "number"):
            by_course[row["course_id"]].append(row)
        assert by_course
        for sessions in by_course.values():
            assert [s["number"] for s in sessions] == list(range(1, len(sessions) + 1))
            days = [s["planned_on"] for s in sessions]
            assert days == sorted(days) and len(set(days)) == len(days)
            statuses = [s["status"] for s in sessions]
            # completed first, then either cancelled (stopped) or planned (still running)
            assert statuses == sorted(statuses, key=("completed", "cancelled", "planned").index)
            for s in sessions:
                if s["status"] == "completed":
                    assert s["completed_on"] == s["planned_on"] <= as_of
                    assert s["dose_given_mg"] > 0
                if s["status"] == "planned":
                    assert s["planned_on"] > as_of

    def test_vitals_are_within_the_entry_ranges(self, engine: Engine, clinic: SynthResult) -> None:
        ranges = vitals_rules.load_ranges().ranges
        readings = rows(engine, "vital_readings")
        assert readings
        for reading in readings:
            for measure in MEASURES:
                limits = ranges[measure]
                assert limits.low <= reading[measure] <= limits.high, (measure, reading)

    def test_session_states_follow_their_events(self, engine: Engine, clinic: SynthResult) -> None:
        with make_session_factory(engine)() as session:
            events: dict[uuid.UUID, list[SessionEvent]] = defaultdict(list)
            for found in session.scalars(select(SessionEvent).order_by(SessionEvent.at)):
                events[found.session_id].append(found)
            for row in session.scalars(select(TreatmentSession)):
                state: session_machine.State = "scheduled"
                for found in events[row.id]:
                    if found.kind in ("check_in", "complete_prechecks", "start_dosing",
                                      "end_dosing", "discharge"):  # fmt: skip
                        assert found.detail["from"] == state
                        state = session_machine.next_state(state, found.kind)
                assert state == row.state == "discharged"
                planned = session.get(CourseSession, row.course_session_id)
                assert planned is not None and planned.status == "completed"
                assert planned.completed_on == row.checked_in_at.date()
                assert row.checked_in_at < row.dosing_started_at < row.dosing_ended_at
                readings = session.scalars(
                    select(VitalReading).where(VitalReading.session_id == row.id)
                ).all()
                assert len(readings) >= 5
                opened = {str(e.id) for e in events[row.id] if e.kind == "adverse_event"}
                closed = {e.detail["event"] for e in events[row.id] if e.kind == "adverse_event_resolved"}  # fmt: skip
                assert opened == closed

    def test_the_app_reads_the_courses_consistently(
        self, engine: Engine, clinic: SynthResult
    ) -> None:
        with make_session_factory(engine)() as session:
            for course in session.scalars(select(Course)):
                actor = Actor(course.created_by, course.clinic_id, "physician", "test")
                status = assessments.status_for(session, actor, course.patient_id, course.treatment)
                assert status.assessment is not None and not status.out_of_date
                loaded = courses.load(session, actor, course.patient_id, course.id)
                planned = [s for s in loaded.sessions if s.status == "planned"]
                assert loaded.state.ended == (not planned), course.id
                assert loaded.state.phase == loaded.sessions[-1].phase
                given = [s for s in loaded.sessions if s.status == "completed"]
                if given and not isinstance(loaded.protocol.dose, DosePerKg):
                    # the fold's dose, unless it was stepped up after the last session given
                    stepped = [p.from_dose for p in loaded.proposals
                               if p.kind == "dose_step_up" and p.after_session_id == given[-1].id]  # fmt: skip
                    assert given[-1].dose_given_mg == (stepped or [loaded.state.dose])[0]
            session.rollback()

    def test_one_audit_event_and_an_intact_chain(
        self, engine: Engine, clinic: SynthResult, backend: str
    ) -> None:
        with make_session_factory(engine)() as session:
            events = session.scalars(select(AuditEvent)).all()
            assert [e.action for e in events] == ["synth.create"]
            assert events[0].details["counts"]["patients"] == 30
            assert audit.verify(session).intact
        if backend == "sqlite":
            with engine.connect() as connection:
                assert connection.execute(text("PRAGMA foreign_key_check")).all() == []

    def test_an_existing_slug_is_refused(self, engine: Engine, clinic: SynthResult) -> None:
        with pytest.raises(ClinicExists):
            write(engine, 1, 12, "synth-11")


TABLES = (
    "patients",
    "scale_responses",
    "course_sessions",
    "course_proposals",
    "vital_readings",
    "session_events",
    "appointments",
    "medication_visits",
)


def dump(url: str, seed: int) -> dict[str, list[dict[str, Any]]]:
    engine = make_engine(url)
    try:
        write(engine, 40, seed, "synth-same", batch=15)
        return {table: rows(engine, table) for table in TABLES}
    finally:
        engine.dispose()


def test_the_same_seed_gives_the_same_clinic(sqlite_databases: SqliteDatabases) -> None:
    urls = [sqlite_databases.fresh() for _ in range(3)]
    try:
        first, again, other = dump(urls[0], 5), dump(urls[1], 5), dump(urls[2], 6)
    finally:
        for url in urls:
            sqlite_databases.drop(url)
    assert first == again
    assert first["appointments"] and first["medication_visits"]
    for table in TABLES:
        assert first[table] != other[table]


@pytest.fixture
def run(settings: Settings) -> Callable[..., Result]:
    runner = CliRunner()
    env = {
        "KETACARE_ENV": "test",
        "KETACARE_DATABASE_URL": settings.database_url,
        "KETACARE_SECRET_KEY": settings.secret_key.get_secret_value(),
    }

    def invoke(*args: str) -> Result:
        return runner.invoke(cli, ["synth", *args], env=env)

    return invoke


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
class TestCommand:
    def test_json_counts_and_a_second_run_is_refused(
        self, run: Callable[..., Result], db: Session
    ) -> None:
        result = run("--patients", "8", "--seed", "3", "--json")
        assert result.exit_code == 0, result.output
        body = json.loads(result.stdout)
        assert body["slug"] == "synth-3"
        assert body["counts"]["patients"] == 8
        assert body["counts"]["treatment_sessions"] == len(
            db.scalars(select(TreatmentSession)).all()
        )
        again = run("--patients", "8", "--seed", "3")
        assert again.exit_code == 2
        assert "already exists" in again.stderr

    def test_plain_summary(self, run: Callable[..., Result]) -> None:
        result = run("--patients", "2", "--seed", "4", "--clinic-slug", "tiny-clinic")
        assert result.exit_code == 0, result.output
        assert "created clinic tiny-clinic" in result.stdout
        assert "vital_readings" in result.stdout

    @pytest.mark.parametrize(
        "args",
        [
            ("--patients", "0", "--seed", "1"),
            ("--patients", "200001", "--seed", "1"),
            ("--patients", "5", "--seed", "1", "--clinic-slug", "Bad Slug"),
        ],
    )
    def test_bad_input_exits_2_with_one_line(
        self, run: Callable[..., Result], args: tuple[str, ...]
    ) -> None:
        result = run(*args)
        assert result.exit_code == 2
        assert len(result.stderr.strip().splitlines()) == 1
