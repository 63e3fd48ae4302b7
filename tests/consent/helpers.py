"""Shared set-up for consent tests: staff of each role and a registered patient."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts import service as accounts
from ketacare.accounts.models import User
from ketacare.consent import service
from ketacare.consent.models import ConsentSignature
from ketacare.kit.actor import Actor
from ketacare.kit.db.session import transaction
from ketacare.kit.db.types import utcnow
from ketacare.patients import service as patients
from ketacare.patients.schemas import PatientCreate


def actor(user: User) -> Actor:
    return accounts.actor_for(user)


def today() -> date:
    return utcnow().date()


def add_patient(
    factory: sessionmaker[Session], by: User, given: str = "Ada", family: str = "Lovelace"
) -> uuid.UUID:
    with transaction(factory) as session:
        data = PatientCreate(
            given_name=given, family_name=family, date_of_birth=date(1980, 12, 10), sex="female"
        )
        return patients.register(session, actor(by), data).id


@dataclass
class Clinic:
    factory: sessionmaker[Session]
    nurse: User
    physician: User
    desk: User
    patient_id: uuid.UUID

    def run(self, user: User, use: Callable[[Session, Actor], object]) -> object:
        with transaction(self.factory) as session:
            return use(session, actor(user))

    def sign(self, user: User | None = None, **changes: object) -> ConsentSignature:
        def use(session: Session, who: Actor) -> ConsentSignature:
            treatment = changes.pop("treatment", "iv_ketamine")
            document = service.current_document(session, who, treatment)  # type: ignore[arg-type]
            values: dict[str, object] = {
                "document_id": document.id,
                "typed_name": "Ada Lovelace",
                "signed_on": today(),
                "staff_confirmed": True,
                **changes,
            }
            return service.sign(session, who, self.patient_id, **values)  # type: ignore[arg-type]

        signed = self.run(user or self.nurse, use)
        assert isinstance(signed, ConsentSignature)
        return signed


def clinic_world(factory: sessionmaker[Session], make_user: Callable[..., User]) -> Clinic:
    nurse = make_user("nurse")
    return Clinic(
        factory, nurse, make_user("physician"), make_user("front_desk"), add_patient(factory, nurse)
    )
