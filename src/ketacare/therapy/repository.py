"""All SQL for therapy, scoped to the actor's clinic. The process-notes wall is in these queries."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session, load_only
from sqlalchemy.sql.expression import Exists

from ketacare.accounts.models import User
from ketacare.kit.actor import Actor
from ketacare.kit.db.base import ClinicScopedRepository
from ketacare.therapy.models import (
    ProcessNote,
    ProcessNoteGrant,
    ProcessNoteVoid,
    TherapyAddendum,
    TherapySession,
)
from ketacare.therapy.rules import GRANTABLE_ROLES, DetailLevel

# Front desk and administrators get rows with only these columns; touching any other raises.
SUMMARY_COLUMNS = (
    TherapySession.id,
    TherapySession.clinic_id,
    TherapySession.patient_id,
    TherapySession.therapist_id,
    TherapySession.held_on,
    TherapySession.therapy_type,
    TherapySession.duration_min,
    TherapySession.modality,
    TherapySession.delivery,
    TherapySession.signed_at,
    TherapySession.voided_at,
    TherapySession.created_at,
)


class TherapyRepository(ClinicScopedRepository):
    def __init__(self, session: Session, actor: Actor) -> None:
        super().__init__(session, actor)
        self.actor = actor

    def _sessions(self, level: DetailLevel) -> Select[TherapySession]:
        statement = select(TherapySession).where(TherapySession.clinic_id == self.clinic_id)
        if level == "summary":
            statement = statement.options(load_only(*SUMMARY_COLUMNS, raiseload=True))
        return statement

    def sessions_of_patient(
        self, patient_id: uuid.UUID, level: DetailLevel
    ) -> list[TherapySession]:
        statement = self._sessions(level).where(
            TherapySession.patient_id == patient_id, TherapySession.voided_at.is_(None)
        )
        order = (TherapySession.held_on.desc(), TherapySession.created_at.desc())
        return list(self.session.scalars(statement.order_by(*order)))

    def one_session(self, session_id: uuid.UUID, level: DetailLevel) -> TherapySession | None:
        statement = self._sessions(level).where(TherapySession.id == session_id)
        return self.session.scalars(statement).first()

    def addenda(self, session_ids: Iterable[uuid.UUID]) -> list[TherapyAddendum]:
        statement = select(TherapyAddendum).where(
            TherapyAddendum.clinic_id == self.clinic_id,
            TherapyAddendum.therapy_session_id.in_(list(session_ids)),
        )
        return list(self.session.scalars(statement.order_by(TherapyAddendum.created_at)))

    def user_names(self, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
        rows = self.session.execute(
            select(User.id, User.full_name).where(
                User.clinic_id == self.clinic_id, User.id.in_(list(set(user_ids)))
            )
        )
        return dict(rows.all())

    # --- the wall -------------------------------------------------------------------------

    def _granted(self) -> Exists:
        return exists().where(
            ProcessNoteGrant.clinic_id == self.clinic_id,
            ProcessNoteGrant.role == self.actor.role,
            ProcessNoteGrant.revoked_at.is_(None),
        )

    def _current_notes(self, session_id: uuid.UUID) -> Select[ProcessNote]:
        voided = exists().where(ProcessNoteVoid.process_note_id == ProcessNote.id)
        return select(ProcessNote).where(
            ProcessNote.clinic_id == self.clinic_id,
            ProcessNote.therapy_session_id == session_id,
            ~voided,
        )

    def readable_notes(self, session_id: uuid.UUID) -> list[ProcessNote]:
        """Current process notes of a session that this actor may read: own, or by a grant."""
        statement = self._current_notes(session_id)
        if self.actor.role in GRANTABLE_ROLES:
            statement = statement.where(
                or_(ProcessNote.author_id == self.actor.user_id, self._granted())
            )
        else:
            statement = statement.where(ProcessNote.author_id == self.actor.user_id)
        return list(self.session.scalars(statement.order_by(ProcessNote.created_at)))

    def withheld_count(self, session_id: uuid.UUID, shown: int) -> int:
        """How many current notes exist beyond those shown (for the audit trail, never shown)."""
        total = self.session.scalar(
            select(func.count()).select_from(self._current_notes(session_id).subquery())
        )
        return int(total or 0) - shown

    def note_of_author(self, note_id: uuid.UUID) -> ProcessNote | None:
        """A current note, found only by its own author (who alone may void or correct it)."""
        statement = select(ProcessNote).where(
            ProcessNote.clinic_id == self.clinic_id,
            ProcessNote.id == note_id,
            ProcessNote.author_id == self.actor.user_id,
            ~exists().where(ProcessNoteVoid.process_note_id == ProcessNote.id),
        )
        return self.session.scalars(statement).first()

    def role_granted(self) -> bool:
        if self.actor.role not in GRANTABLE_ROLES:
            return False
        return bool(self.session.scalar(select(self._granted())))

    # --- grants ---------------------------------------------------------------------------

    def grants(self) -> list[ProcessNoteGrant]:
        statement = select(ProcessNoteGrant).where(ProcessNoteGrant.clinic_id == self.clinic_id)
        return list(self.session.scalars(statement.order_by(ProcessNoteGrant.granted_at.desc())))

    def active_grant(self, role: str) -> ProcessNoteGrant | None:
        return self.session.scalars(
            select(ProcessNoteGrant).where(
                ProcessNoteGrant.clinic_id == self.clinic_id,
                ProcessNoteGrant.role == role,
                ProcessNoteGrant.revoked_at.is_(None),
            )
        ).first()

    def grant(self, grant_id: uuid.UUID) -> ProcessNoteGrant | None:
        return self.session.scalars(
            select(ProcessNoteGrant).where(
                ProcessNoteGrant.clinic_id == self.clinic_id, ProcessNoteGrant.id == grant_id
            )
        ).first()
