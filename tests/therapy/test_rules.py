"""Pure therapy rules and input validation: no database needed."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from ketacare.kit.errors import InvalidInput
from ketacare.kit.schemas import parse
from ketacare.therapy import rules
from ketacare.therapy.schemas import ProcessNoteCreate, SessionCreate
from tests.therapy.world import SESSION

AUTHOR, OTHER = uuid.uuid4(), uuid.uuid4()


class TestWallRule:
    @pytest.mark.parametrize("role", ["admin", "physician", "nurse", "therapist", "front_desk"])
    def test_by_default_only_the_author_reads(self, role: str) -> None:
        assert rules.may_read_process_note(AUTHOR, "therapist", AUTHOR, set())
        assert not rules.may_read_process_note(OTHER, role, AUTHOR, set())

    @pytest.mark.parametrize("role", rules.GRANTABLE_ROLES)
    def test_a_granted_clinical_role_reads(self, role: str) -> None:
        assert rules.may_read_process_note(OTHER, role, AUTHOR, {role})
        others = set(rules.GRANTABLE_ROLES) - {role}
        assert not rules.may_read_process_note(OTHER, role, AUTHOR, others)

    @pytest.mark.parametrize("role", ["admin", "front_desk"])
    def test_admin_and_front_desk_can_never_be_granted(self, role: str) -> None:
        assert not rules.may_read_process_note(OTHER, role, AUTHOR, {role})

    def test_anonymous_actor_is_never_the_author(self) -> None:
        assert not rules.may_read_process_note(None, "therapist", AUTHOR, set())


class TestRoles:
    def test_levels(self) -> None:
        assert [rules.detail_level(r) for r in ("physician", "nurse", "therapist")] == [
            "clinical"
        ] * 3
        assert rules.detail_level("front_desk") == rules.detail_level("admin") == "summary"
        assert rules.detail_level("system") is None

    def test_who_records_signs_and_voids(self) -> None:
        assert rules.may_record("therapist") and rules.may_record("physician")
        assert not any(rules.may_record(r) for r in ("nurse", "front_desk", "admin"))
        assert rules.may_change_draft(AUTHOR, AUTHOR, signed=False)
        assert not rules.may_change_draft(AUTHOR, AUTHOR, signed=True)
        assert not rules.may_change_draft(OTHER, AUTHOR, signed=False)
        assert rules.may_void_session(OTHER, "physician", AUTHOR)
        assert not rules.may_void_session(OTHER, "therapist", AUTHOR)
        assert rules.may_write_process_note(AUTHOR, AUTHOR)
        assert not rules.may_write_process_note(OTHER, AUTHOR)

    def test_split_themes(self) -> None:
        assert rules.split_themes(" grief, sleep\nwork ,, ") == ["grief", "sleep", "work"]


def problems(**changes: object) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        parse(SessionCreate, {**SESSION, **changes})
    return {key.split(".")[0]: message for key, message in caught.value.by_field().items()}


class TestValidation:
    def test_a_good_session_parses(self) -> None:
        data = parse(SessionCreate, SESSION)
        assert data.duration_min == 50 and data.themes == ["grief", "sleep"]

    @pytest.mark.parametrize(("minutes", "ok"), [(0, False), (1, True), (480, True), (481, False)])
    def test_duration_range_is_named(self, minutes: int, ok: bool) -> None:
        if ok:
            assert parse(SessionCreate, {**SESSION, "duration_min": minutes})
        else:
            assert problems(duration_min=minutes) == {"duration_min": "must be between 1 and 480"}

    def test_each_bad_field_is_named(self) -> None:
        found = problems(
            held_on=(date.today() + timedelta(days=1)).isoformat(),
            therapy_type="hypnosis",
            modality="yoga",
            delivery="fax",
            themes=["x" * 81],
            progress_note="",
            homework="h" * 2001,
        )
        assert set(found) == {
            "held_on",
            "therapy_type",
            "modality",
            "delivery",
            "themes",
            "progress_note",
            "homework",
        }
        assert found["held_on"] == "cannot be in the future"

    def test_other_needs_its_detail(self) -> None:
        assert "type_detail" in problems(therapy_type="other")
        assert parse(SessionCreate, {**SESSION, "therapy_type": "other", "type_detail": "EMDR"})

    def test_at_most_twelve_themes(self) -> None:
        assert "themes" in problems(themes=[f"t{i}" for i in range(13)])

    def test_dosing_session_link_only_for_kap(self) -> None:
        assert "course_session_id" in problems(therapy_type="cbt", course_session_id=str(OTHER))

    def test_unknown_fields_are_refused(self) -> None:
        assert problems(process_note="secret") == {"process_note": "is not a field of this form"}

    def test_a_correction_needs_a_reason(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            parse(ProcessNoteCreate, {"text": "better", "replaces_id": str(OTHER)})
        assert "reason" in caught.value.by_field()
