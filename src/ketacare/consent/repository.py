"""All SQL for consent documents and signatures, scoped to the actor's clinic."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from ketacare.consent.models import ConsentDocument, ConsentSignature
from ketacare.kit.db.base import ClinicScopedRepository


class ConsentRepository(ClinicScopedRepository):
    def versions(self, treatment: str) -> list[ConsentDocument]:
        statement = select(ConsentDocument).where(
            ConsentDocument.clinic_id == self.clinic_id,
            ConsentDocument.treatment == treatment,
            ConsentDocument.voided_at.is_(None),
        )
        return list(self.session.scalars(statement.order_by(ConsentDocument.version.desc())))

    def latest_document(self, treatment: str) -> ConsentDocument | None:
        versions = self.versions(treatment)
        return versions[0] if versions else None

    def highest_version(self, treatment: str) -> int:
        """Voided or not: version numbers are never reused."""
        statement = select(ConsentDocument.version).where(
            ConsentDocument.clinic_id == self.clinic_id, ConsentDocument.treatment == treatment
        )
        return max(self.session.scalars(statement), default=0)

    def document(self, document_id: uuid.UUID) -> ConsentDocument | None:
        return self.session.scalars(
            select(ConsentDocument).where(
                ConsentDocument.clinic_id == self.clinic_id, ConsentDocument.id == document_id
            )
        ).first()

    def signatures(
        self, patient_id: uuid.UUID, treatment: str | None = None, include_voided: bool = False
    ) -> list[ConsentSignature]:
        """Newest first."""
        statement = select(ConsentSignature).where(
            ConsentSignature.clinic_id == self.clinic_id,
            ConsentSignature.patient_id == patient_id,
        )
        if treatment is not None:
            statement = statement.where(ConsentSignature.treatment == treatment)
        if not include_voided:
            statement = statement.where(ConsentSignature.voided_at.is_(None))
        order = (ConsentSignature.signed_at.desc(), ConsentSignature.document_version.desc())
        return list(self.session.scalars(statement.order_by(*order)))

    def signature(self, patient_id: uuid.UUID, signature_id: uuid.UUID) -> ConsentSignature | None:
        return self.session.scalars(
            select(ConsentSignature).where(
                ConsentSignature.clinic_id == self.clinic_id,
                ConsentSignature.patient_id == patient_id,
                ConsentSignature.id == signature_id,
            )
        ).first()
