"""Pure parts: when reminders go out, what a failure leads to, wording, the instructions file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.messaging import compose, instructions, rules

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class TestSendTimes:
    def test_each_offset_ahead_of_now(self) -> None:
        starts = NOW + timedelta(days=3)
        assert rules.send_times(NOW, starts, [24, 48]) == [
            (48, starts - timedelta(hours=48)),
            (24, starts - timedelta(hours=24)),
        ]

    def test_too_late_for_every_offset_sends_once_now(self) -> None:
        assert rules.send_times(NOW, NOW + timedelta(hours=2), [48, 24]) == [(0, NOW)]

    def test_nothing_for_a_visit_already_started(self) -> None:
        assert rules.send_times(NOW, NOW, [24]) == []

    @given(
        minutes_ahead=st.integers(min_value=-10_000, max_value=30_000),
        offsets=st.lists(st.integers(min_value=1, max_value=336), max_size=5),
    )
    def test_never_in_the_past_never_after_the_visit(
        self, minutes_ahead: int, offsets: list[int]
    ) -> None:
        starts = NOW + timedelta(minutes=minutes_ahead)
        times = rules.send_times(NOW, starts, offsets)
        if starts <= NOW:
            assert times == []
            return
        assert times, "a future visit always gets at least one reminder"
        assert all(NOW <= at < starts for _, at in times)
        assert [at for _, at in times] == sorted(at for _, at in times)
        assert len({h for h, _ in times}) == len(times)


class TestAfterFailure:
    def test_retry_later_until_the_budget_is_spent(self) -> None:
        assert rules.after_failure(NOW, 1, 3, 10) == rules.AfterFailure(
            "retrying", NOW + timedelta(minutes=10)
        )
        assert rules.after_failure(NOW, 3, 3, 10) == rules.AfterFailure("failed", None)

    def test_summary_line(self) -> None:
        assert rules.summary_line(["retrying", "sent", "queued", "sent"]) == (
            "2 sent · 1 queued · 1 retrying"
        )
        assert rules.summary_line([]) == ""


class TestWording:
    def test_local_time_and_subject_in_the_clinic_zone(self) -> None:
        local = datetime(2026, 12, 3, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))
        assert compose.local_time(local) == "Thursday 3 December 2026, 09:30 (CET)"
        assert compose.subject(local) == "Reminder: your appointment on Thu 3 Dec at 09:30"

    def test_body_marks_clinic_choices_and_carries_the_invitation(self) -> None:
        knowledge = instructions.load()
        local = datetime(2026, 12, 3, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))
        reminder = compose.Reminder(
            "Riverside", "Chair 1", local, knowledge.for_treatment("iv_ketamine")
        )
        text = compose.body(reminder, compose.Invitation("PHQ-9", "https://x/q/abc", local))
        assert "Where: Riverside, Chair 1" in text
        assert text.index("4 hours") < text.index("benzodiazepine") < text.index("drive")
        assert "set by your clinic" in text
        assert "https://x/q/abc" in text and "(PHQ-9)" in text
        assert "emergency" in text


class TestInstructionsFile:
    def test_every_line_has_a_source_and_fasting_for_iv_is_a_clinic_choice(self) -> None:
        knowledge = instructions.load()
        for treatment in instructions.TREATMENTS:
            lines = knowledge.for_treatment(treatment)
            assert {i.topic for i in lines} == {"fasting", "medication_holds", "escort"}
            assert all(len(i.source) > 20 for i in lines)
        iv_fasting = [i for i in knowledge.for_treatment("iv_ketamine") if i.topic == "fasting"]
        assert [i.clinic_choice for i in iv_fasting] == [True]  # no guideline rule exists
        label = [i for i in knowledge.for_treatment("esketamine") if i.topic == "fasting"]
        assert label[0].clinic_choice is False and "Spravato" in label[0].source
        assert knowledge.questionnaire_for("treatment") == "phq9"
        assert knowledge.questionnaire_for("therapy") is None

    def test_a_broken_file_names_the_problem(self) -> None:
        with pytest.raises(instructions.InstructionsFileError, match="questionnaire"):
            instructions.parse(
                "mine.toml", "link_hours_after_visit = 2\ninstructions = []\n[questionnaire]\n"
            )
