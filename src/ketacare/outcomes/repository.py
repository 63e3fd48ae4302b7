"""All SQL of the outcomes dashboard: the database groups and counts, so few rows come back.

Per course (a few rows each): its sessions grouped by phase and status with their times and
their adverse events and blood-pressure excursions already counted (``session_groups``), and its
chair sessions aborted after dosing started, counted the same way (``aborted_sessions``). Per
patient: the outcome scores. See docs/outcomes.md for the definitions.

Partial indexes (migration ``0015_outcomes_indexes``) keep the per-session facts cheap: adverse
events (``kind = 'adverse_event'``), vital readings that raised an alert
(``json_array_length(alerts) > 0``) and aborted chair sessions. The queries spell those
predicates as SQL literals, not bound parameters, so both SQLite and PostgreSQL (also with a
generic prepared plan) can prove the index applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal_column,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute, aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from ketacare.kit.db.base import ClinicScopedRepository
from ketacare.protocols.models import ProtocolVersion
from ketacare.scales.models import ScaleResponse
from ketacare.treatment.models import Course, CourseSession
from ketacare.treatment.session_models import SessionEvent, TreatmentSession, VitalReading

Query = Select[*tuple[Any, ...]]
Column = ColumnElement[Any] | InstrumentedAttribute[Any]

BP_MEASURES = ("diastolic_mmhg", "systolic_mmhg")
# A chair session that gave its course session: neither cancelled (no drug) nor aborted (counted
# on its own, see ``aborted_sessions``).
NOT_GIVING = ("cancelled", "aborted")
# The partial indexes' predicates, as literals (see the module docstring).
ADVERSE_EVENT: ColumnElement[Any] = literal_column("'adverse_event'")
NO_ALERTS: ColumnElement[Any] = literal_column("0")
ABORTED: ColumnElement[Any] = literal_column("'aborted'")


class bp_alert(FunctionElement[bool]):
    """True when a reading's ``alerts`` (a JSON array) name a blood-pressure measure."""

    type = Boolean()
    name = "bp_alert"
    inherit_cache = True


_MEASURES_SQL = ", ".join(f"'{measure}'" for measure in BP_MEASURES)


@compiles(bp_alert)  # SQLite, and the default (``str(statement)``)
@compiles(bp_alert, "sqlite")
def _bp_alert_sqlite(element: bp_alert, compiler: SQLCompiler, **kw: Any) -> str:
    alerts = compiler.process(element.clauses, **kw)
    # Only compiled SQL and this module's constants go in: nothing from a request.
    return (
        f"EXISTS (SELECT 1 FROM json_each({alerts}) AS alert "  # noqa: S608
        f"WHERE json_extract(alert.value, '$.measure') IN ({_MEASURES_SQL}))"
    )


@compiles(bp_alert, "postgresql")
def _bp_alert_postgresql(element: bp_alert, compiler: SQLCompiler, **kw: Any) -> str:
    alerts = compiler.process(element.clauses, **kw)
    return (
        f"EXISTS (SELECT 1 FROM json_array_elements({alerts}) AS alert(value) "  # noqa: S608
        f"WHERE alert.value ->> 'measure' IN ({_MEASURES_SQL}))"
    )


def raw(column: Column) -> ColumnElement[Any]:
    """A key or time as text, without the UUID/UTC type conversion of tens of thousands of rows
    (the database's own text: SQLite's stored form, PostgreSQL's output format). Compare raw keys
    only with raw keys; read raw times with ``service.utc``."""
    return cast(column, String())


class OutcomesRepository(ClinicScopedRepository):
    def protocol_keys(self) -> list[str]:
        statement = select(ProtocolVersion.key).where(
            ProtocolVersion.clinic_id == self.clinic_id, ProtocolVersion.voided_at.is_(None)
        )
        return sorted(set(self.session.scalars(statement.distinct())))

    @property
    def naive_times(self) -> bool:
        """Raw times come back without an offset (SQLite stores UTC as naive text)."""
        return self.session.get_bind().dialect.name == "sqlite"

    def rows(self, statement: Query) -> list[Any]:
        # Core, not the ORM's execute: these are column tuples, and the ORM's per-row loading
        # costs more than the query for tens of thousands of rows.
        connection = self.session.connection()
        if connection.dialect.name == "postgresql":
            # The planner cannot estimate the partial indexes' JSON predicate and prices the
            # queries high enough to JIT-compile them, which costs more than running them.
            # For this transaction only.
            connection.exec_driver_sql("SET LOCAL jit = off")
        return list(connection.execute(statement))

    def courses(self, start: Any, end: Any, protocol: str | None) -> Query:
        """Courses started in the range: id, patient, protocol key."""
        statement = (
            select(
                raw(Course.id).label("id"),
                raw(Course.patient_id).label("patient_id"),
                ProtocolVersion.key,
            )
            .join(ProtocolVersion, ProtocolVersion.id == Course.protocol_version_id)
            .where(
                Course.clinic_id == self.clinic_id,
                Course.voided_at.is_(None),
                Course.started_on >= start,
                Course.started_on <= end,
            )
        )
        return statement if protocol is None else statement.where(ProtocolVersion.key == protocol)

    def _chair(self, chair: Any, course_session_id: Column, *, gave: bool) -> ColumnElement[bool]:
        """A chair session of the course session where dosing started: with ``gave``, one that
        gave it (neither cancelled nor aborted); else one that was aborted."""
        # Aborted: a literal, so the partial index applies (see the module docstring).
        state = chair.state.not_in(NOT_GIVING) if gave else chair.state == ABORTED
        return and_(
            chair.course_session_id == course_session_id,
            chair.clinic_id == self.clinic_id,
            chair.voided_at.is_(None),
            chair.dosing_started_at.is_not(None),
            state,
        )

    def session_groups(self, course_ids: Query) -> Query:
        """Per course, phase and status: how many sessions and the lowest session number; for
        completed sessions the first and last dosing start at the chair and, for those given
        without it, the first and last day; their adverse events, and how many had one or a
        blood-pressure excursion."""
        sessions = CourseSession
        gave = aliased(TreatmentSession, name="gave")  # the chair session that gave it
        ae = self.adverse_events().subquery("ae")
        bp = self.bp_excursions().subquery("bp")
        completed = sessions.status == "completed"
        day = func.coalesce(sessions.completed_on, sessions.planned_on)
        plain_day = case((and_(completed, gave.id.is_(None)), day))
        # Distinct course sessions: one can have more than one chair session that gave it (rare).
        return (
            select(
                raw(sessions.course_id).label("course_id"),
                sessions.phase,
                sessions.status,
                func.count(sessions.id.distinct()).label("sessions"),
                func.min(sessions.number).label("first_number"),
                func.min(gave.dosing_started_at).label("first_chair_at"),
                func.max(gave.dosing_started_at).label("last_chair_at"),
                func.min(plain_day).label("first_plain_day"),
                func.max(plain_day).label("last_plain_day"),
                func.coalesce(func.sum(ae.c.events), 0).label("adverse_events"),
                func.count(sessions.id.distinct()).filter(ae.c.events > 0).label("ae_sessions"),
                func.count(sessions.id.distinct())
                .filter(bp.c.session_id.is_not(None))
                .label("bp_sessions"),
            )
            .select_from(sessions)
            .outerjoin(gave, and_(completed, self._chair(gave, sessions.id, gave=True)))
            .outerjoin(ae, ae.c.session_id == gave.id)
            .outerjoin(bp, bp.c.session_id == gave.id)
            .where(
                sessions.clinic_id == self.clinic_id,
                sessions.voided_at.is_(None),
                sessions.course_id.in_(course_ids),
            )
            .group_by(sessions.course_id, sessions.phase, sessions.status)
        )

    def aborted_sessions(self, course_ids: Query) -> Query:
        """Per course with any: chair sessions aborted after dosing started (each a session
        given), their adverse events, and how many had one or a blood-pressure excursion."""
        sessions, chair = CourseSession, TreatmentSession
        ae = self.adverse_events().subquery("ae")
        bp = self.bp_excursions().subquery("bp")
        return (
            select(
                raw(sessions.course_id).label("course_id"),
                func.count().label("aborted"),
                func.coalesce(func.sum(ae.c.events), 0).label("adverse_events"),
                func.count().filter(ae.c.events > 0).label("ae_sessions"),
                func.count().filter(bp.c.session_id.is_not(None)).label("bp_sessions"),
            )
            .select_from(chair)
            .join(sessions, self._chair(chair, sessions.id, gave=False))
            .outerjoin(ae, ae.c.session_id == chair.id)
            .outerjoin(bp, bp.c.session_id == chair.id)
            .where(
                sessions.clinic_id == self.clinic_id,
                sessions.voided_at.is_(None),
                sessions.course_id.in_(course_ids),
            )
            .group_by(sessions.course_id)
        )

    def adverse_events(self) -> Query:
        """Adverse events per chair session (an index-only read of the partial index)."""
        return (
            select(SessionEvent.session_id, func.count().label("events"))
            .where(
                SessionEvent.clinic_id == self.clinic_id,
                SessionEvent.kind == ADVERSE_EVENT,
                SessionEvent.voided_at.is_(None),
            )
            .group_by(SessionEvent.session_id)
        )

    def bp_excursions(self) -> Query:
        """Chair sessions with a reading whose alerts name a blood pressure (partial index)."""
        return (
            select(VitalReading.session_id)
            .where(
                VitalReading.clinic_id == self.clinic_id,
                func.json_array_length(VitalReading.alerts) > NO_ALERTS,
                VitalReading.voided_at.is_(None),
                bp_alert(VitalReading.alerts),
            )
            .group_by(VitalReading.session_id)  # not DISTINCT: SQLite then indexes it for joins
        )

    def scores(self, patient_ids: Query, instrument_ids: Sequence[str]) -> Query:
        return select(
            raw(ScaleResponse.patient_id).label("patient_id"),
            ScaleResponse.instrument_id,
            raw(ScaleResponse.administered_at).label("administered_at"),
            ScaleResponse.total,
        ).where(
            ScaleResponse.clinic_id == self.clinic_id,
            ScaleResponse.voided_at.is_(None),
            ScaleResponse.total.is_not(None),
            ScaleResponse.instrument_id.in_(instrument_ids),
            ScaleResponse.patient_id.in_(patient_ids),
        )
