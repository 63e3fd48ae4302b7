"""All SQL for scale responses, questionnaire links and safety alerts, scoped to the actor's clinic."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketacare.kit.db.base import ClinicScopedRepository
from ketacare.scales.models import QuestionnaireLink, SafetyAlert, ScaleResponse


class ScalesRepository(ClinicScopedRepository):
    def responses(
        self, patient_id: uuid.UUID, instrument_id: str | None = None
    ) -> list[ScaleResponse]:
        statement = select(ScaleResponse).where(
            ScaleResponse.clinic_id == self.clinic_id,
            ScaleResponse.patient_id == patient_id,
            ScaleResponse.voided_at.is_(None),
        )
        if instrument_id:
            statement = statement.where(ScaleResponse.instrument_id == instrument_id)
        return list(self.session.scalars(statement.order_by(ScaleResponse.administered_at)))

    def response(self, patient_id: uuid.UUID, response_id: uuid.UUID) -> ScaleResponse | None:
        return self.session.scalars(
            select(ScaleResponse).where(
                ScaleResponse.clinic_id == self.clinic_id,
                ScaleResponse.patient_id == patient_id,
                ScaleResponse.id == response_id,
                ScaleResponse.voided_at.is_(None),
            )
        ).first()

    def links(self, patient_id: uuid.UUID) -> list[QuestionnaireLink]:
        statement = select(QuestionnaireLink).where(
            QuestionnaireLink.clinic_id == self.clinic_id,
            QuestionnaireLink.patient_id == patient_id,
            QuestionnaireLink.voided_at.is_(None),
        )
        return list(self.session.scalars(statement.order_by(QuestionnaireLink.created_at.desc())))

    def open_alerts(self, patient_id: uuid.UUID | None = None) -> list[SafetyAlert]:
        statement = select(SafetyAlert).where(
            SafetyAlert.clinic_id == self.clinic_id,
            SafetyAlert.acknowledged_at.is_(None),
            SafetyAlert.voided_at.is_(None),
        )
        if patient_id:
            statement = statement.where(SafetyAlert.patient_id == patient_id)
        return list(self.session.scalars(statement.order_by(SafetyAlert.created_at)))

    def count_open_alerts(self) -> int:
        return (
            self.session.scalar(
                select(func.count()).where(
                    SafetyAlert.clinic_id == self.clinic_id,
                    SafetyAlert.acknowledged_at.is_(None),
                    SafetyAlert.voided_at.is_(None),
                )
            )
            or 0
        )

    def alerts_of(self, patient_id: uuid.UUID) -> list[SafetyAlert]:
        statement = select(SafetyAlert).where(
            SafetyAlert.clinic_id == self.clinic_id,
            SafetyAlert.patient_id == patient_id,
            SafetyAlert.voided_at.is_(None),
        )
        return list(self.session.scalars(statement.order_by(SafetyAlert.created_at.desc())))

    def alert(self, alert_id: uuid.UUID) -> SafetyAlert | None:
        return self.session.scalars(
            select(SafetyAlert).where(
                SafetyAlert.clinic_id == self.clinic_id, SafetyAlert.id == alert_id
            )
        ).first()


def link_by_token_hash(session: Session, token_hash: str) -> QuestionnaireLink | None:
    """Patients have no account: the link itself is the credential, found across clinics by hash."""
    return session.scalars(
        select(QuestionnaireLink).where(QuestionnaireLink.token_hash == token_hash)
    ).first()
