"""Consent use cases on SQLite and PostgreSQL: versions, signing, withdrawal, status, audit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts.models import Clinic as ClinicRow
from ketacare.accounts.models import User
from ketacare.audit.models import AuditEvent
from ketacare.consent import rules, service
from ketacare.consent.models import ConsentDocument, ConsentSignature
from ketacare.kit.db.session import transaction
from ketacare.kit.errors import InvalidInput, NotFound
from tests.consent.helpers import Clinic, actor, add_patient, clinic_world, today


@pytest.fixture
def world(session_factory: sessionmaker[Session], make_user: Callable[..., User]) -> Clinic:
    return clinic_world(session_factory, make_user)


def problems_of(error: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    return error.value.by_field()


def count(db: Session, model: type[object]) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0  # type: ignore[call-overload]


class TestDocuments:
    def test_default_text_becomes_version_one_on_first_use(
        self, world: Clinic, db: Session
    ) -> None:
        document = world.run(world.desk, lambda s, a: service.current_document(s, a, "esketamine"))
        assert isinstance(document, ConsentDocument)
        title, body = service.default_text("esketamine")
        assert (document.version, document.title, document.body) == (1, title, body)
        assert document.body_sha256 == rules.sha256_of(body)
        assert document.created_by == world.desk.id
        assert "REMS" in body and "2 hours" in body and "next day" in body
        again = world.run(world.nurse, lambda s, a: service.current_document(s, a, "esketamine"))
        assert isinstance(again, ConsentDocument) and again.id == document.id
        events = db.scalars(
            select(AuditEvent).where(AuditEvent.action == "consent_document.default")
        ).all()
        assert len(events) == 1 and events[0].actor_user_id == world.desk.id

    def test_default_texts_cover_what_the_issue_asks(self) -> None:
        for treatment in rules.TREATMENTS:
            _, body = service.default_text(treatment)
            for words in ("side effects", "at any time", "next day", "Monitoring"):
                assert words.lower() in body.lower(), (treatment, words)
        assert "off-label" in service.default_text("iv_ketamine")[1]

    def test_ensure_defaults_gives_every_treatment_a_version(self, world: Clinic) -> None:
        made = world.run(world.physician, service.ensure_defaults)
        assert isinstance(made, list)
        assert sorted(d.treatment for d in made) == ["esketamine", "iv_ketamine"]

    def test_publish_makes_the_next_version_and_old_ones_stay(self, world: Clinic) -> None:
        body = "A new text for this clinic. " * 5
        published = world.run(
            world.physician,
            lambda s, a: service.publish_version(s, a, "iv_ketamine", "Version two", body),
        )
        assert isinstance(published, ConsentDocument) and published.version == 2
        versions = world.run(world.nurse, lambda s, a: service.versions(s, a, "iv_ketamine"))
        assert [d.version for d in versions] == [2, 1]  # type: ignore[attr-defined]

    def test_publish_refuses_bad_input_and_unchanged_text(self, world: Clinic) -> None:
        with pytest.raises(InvalidInput) as error:
            world.run(
                world.physician,
                lambda s, a: service.publish_version(s, a, "iv_ketamine", "", "short"),
            )
        assert set(problems_of(error)) == {"title", "body"}
        _, body = service.default_text("iv_ketamine")
        with pytest.raises(InvalidInput) as same:
            world.run(
                world.physician,
                lambda s, a: service.publish_version(s, a, "iv_ketamine", "Same", body + "\r\n"),
            )
        assert "same as version 1" in problems_of(same)["body"]

    def test_front_desk_and_nurse_cannot_publish(self, world: Clinic) -> None:
        from ketacare.accounts.deps import RoleRequired

        for user in (world.desk, world.nurse):
            with pytest.raises(RoleRequired):
                world.run(
                    user, lambda s, a: service.publish_version(s, a, "iv_ketamine", "T", "x" * 60)
                )

    def test_the_database_refuses_to_edit_or_delete_a_published_text(
        self, world: Clinic, session_factory: sessionmaker[Session]
    ) -> None:
        world.run(world.nurse, lambda s, a: service.current_document(s, a, "iv_ketamine"))
        for statement in (
            "UPDATE consent_documents SET body = 'x'",
            "DELETE FROM consent_documents",
        ):
            with pytest.raises(DBAPIError), transaction(session_factory) as session:
                session.execute(text(statement))


class TestSign:
    def test_stores_the_exact_text_hash_and_witness(self, world: Clinic, db: Session) -> None:
        signed = world.sign(world.desk, typed_name="  ada   LOVELACE ")
        document = db.get(ConsentDocument, signed.document_id)
        assert document is not None
        assert signed.signed_text == document.body
        assert signed.document_sha256 == rules.sha256_of(signed.signed_text)
        assert (signed.document_version, signed.witnessed_by) == (1, world.desk.id)
        assert signed.typed_name == "ada LOVELACE" and signed.signed_on == today()
        event = db.scalars(select(AuditEvent).where(AuditEvent.action == "consent.sign")).one()
        assert event.patient_id == world.patient_id and event.resource_id == str(signed.id)
        status = world.run(
            world.nurse, lambda s, a: service.consent_status(s, a, world.patient_id, "iv_ketamine")
        )
        assert isinstance(status, service.ConsentStatus)
        assert status.valid and status.reason == f"signed version 1 on {today()}"

    def test_every_wrong_field_is_named_and_nothing_is_stored(
        self, world: Clinic, db: Session
    ) -> None:
        with pytest.raises(InvalidInput) as error:
            world.sign(
                typed_name="Ada Byron",
                signed_on=today() + timedelta(days=5),
                staff_confirmed=False,
            )
        problems = problems_of(error)
        assert set(problems) == {"typed_name", "signed_on", "staff_confirmed"}
        assert "Lovelace" not in problems["typed_name"]  # no patient data in error messages
        assert "future" in problems["signed_on"]
        assert count(db, ConsentSignature) == 0
        assert (
            db.scalars(select(AuditEvent).where(AuditEvent.action == "consent.sign")).first()
            is None
        )

    def test_back_dated_signature_is_refused(self, world: Clinic) -> None:
        with pytest.raises(InvalidInput) as error:
            world.sign(signed_on=today() - timedelta(days=3))
        assert "back-dated" in problems_of(error)["signed_on"]

    def test_stale_version_needs_the_current_one(self, world: Clinic, db: Session) -> None:
        old = world.run(world.nurse, lambda s, a: service.current_document(s, a, "iv_ketamine"))
        assert isinstance(old, ConsentDocument)
        world.run(
            world.physician,
            lambda s, a: service.publish_version(
                s, a, "iv_ketamine", "Version 2", "New words. " * 10
            ),
        )
        with pytest.raises(InvalidInput) as error:
            world.run(
                world.nurse,
                lambda s, a: service.sign(
                    s, a, world.patient_id, old.id, "Ada Lovelace", today(), True
                ),
            )
        assert "version 1 is no longer current" in problems_of(error)["document_id"]
        assert count(db, ConsentSignature) == 0

    def test_signing_the_same_version_twice_is_refused(self, world: Clinic) -> None:
        world.sign()
        with pytest.raises(InvalidInput) as error:
            world.sign()
        assert "already signed" in problems_of(error)["document_id"]

    def test_a_document_of_another_treatment_is_refused(self, world: Clinic) -> None:
        with pytest.raises(InvalidInput) as error:
            world.run(
                world.nurse,
                lambda s, a: service.sign(
                    s,
                    a,
                    world.patient_id,
                    service.current_document(s, a, "esketamine").id,
                    "Ada Lovelace",
                    today(),
                    True,
                    treatment="iv_ketamine",
                ),
            )
        assert "document_id" in problems_of(error)

    def test_therapist_cannot_witness(self, world: Clinic, make_user: Callable[..., User]) -> None:
        from ketacare.accounts.deps import RoleRequired

        with pytest.raises(RoleRequired):
            world.sign(make_user("therapist"))


class TestStatus:
    def test_new_version_needs_a_new_signature(self, world: Clinic) -> None:
        def status() -> service.ConsentStatus:
            found = world.run(
                world.nurse,
                lambda s, a: service.consent_status(s, a, world.patient_id, "iv_ketamine"),
            )
            assert isinstance(found, service.ConsentStatus)
            return found

        assert (status().valid, status().reason) == (False, "no consent on file")
        world.sign()
        assert status().valid
        world.run(
            world.physician,
            lambda s, a: service.publish_version(
                s, a, "iv_ketamine", "Version 2", "New words. " * 10
            ),
        )
        now = status()
        assert not now.valid and now.reason == "a new version (2) needs a new signature"
        assert now.current_version == 2 and now.signature is not None
        world.sign()
        assert status().valid and status().reason == f"signed version 2 on {today()}"

    def test_withdrawal_and_void(self, world: Clinic, db: Session) -> None:
        signed = world.sign()
        world.run(
            world.physician,
            lambda s, a: service.withdraw(s, a, world.patient_id, "iv_ketamine", "changed mind"),
        )
        status = world.run(
            world.nurse, lambda s, a: service.consent_status(s, a, world.patient_id, "iv_ketamine")
        )
        assert isinstance(status, service.ConsentStatus) and not status.valid
        assert status.reason.startswith("withdrawn on ") and status.reason.endswith(
            ": changed mind"
        )
        kept = db.get(ConsentSignature, signed.id)
        assert kept is not None and kept.withdrawn_by == world.physician.id
        assert kept.signed_text == signed.signed_text
        with pytest.raises(InvalidInput) as error:
            world.run(
                world.nurse,
                lambda s, a: service.withdraw(s, a, world.patient_id, "iv_ketamine", "again"),
            )
        assert "treatment" in problems_of(error)
        world.sign()  # the patient may consent again
        again = world.run(
            world.nurse, lambda s, a: service.consent_status(s, a, world.patient_id, "iv_ketamine")
        )
        assert isinstance(again, service.ConsentStatus) and again.valid
        assert again.signature is not None
        world.run(
            world.nurse,
            lambda s, a: service.void_signature(
                s,
                a,
                world.patient_id,
                again.signature.id,
                "wrong patient",  # type: ignore[union-attr]
            ),
        )
        after = world.run(
            world.nurse, lambda s, a: service.consent_status(s, a, world.patient_id, "iv_ketamine")
        )
        assert isinstance(after, service.ConsentStatus) and not after.valid
        assert count(db, ConsentSignature) == 2  # nothing deleted
        actions = set(db.scalars(select(AuditEvent.action)))
        assert {"consent.sign", "consent.withdraw", "consent.void", "consent.view"} <= actions

    def test_front_desk_cannot_withdraw(self, world: Clinic) -> None:
        from ketacare.accounts.deps import RoleRequired

        world.sign()
        with pytest.raises(RoleRequired):
            world.run(
                world.desk,
                lambda s, a: service.withdraw(s, a, world.patient_id, "iv_ketamine", "asked"),
            )


class TestClinicScope:
    def test_another_clinics_patient_and_documents_do_not_exist(
        self,
        world: Clinic,
        make_clinic: Callable[..., ClinicRow],
        make_user: Callable[..., User],
        session_factory: sessionmaker[Session],
    ) -> None:
        other_nurse = make_user("nurse", make_clinic())
        other_patient = add_patient(session_factory, other_nurse)
        with pytest.raises(NotFound), transaction(session_factory) as session:
            service.consent_status(session, actor(world.nurse), other_patient, "iv_ketamine")
        theirs = world.run(other_nurse, lambda s, a: service.current_document(s, a, "iv_ketamine"))
        assert isinstance(theirs, ConsentDocument)
        with pytest.raises(InvalidInput) as error:
            world.run(
                world.nurse,
                lambda s, a: service.sign(
                    s, a, world.patient_id, theirs.id, "Ada Lovelace", today(), True
                ),
            )
        assert "document_id" in problems_of(error)
