"""The hash chain as pure functions: any alteration, removal or reordering is found."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ketacare.audit.rules import GENESIS_HASH, event_hash, verify_chain


def build_chain(count: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    previous = GENESIS_HASH
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for seq in range(1, count + 1):
        event: dict[str, Any] = {
            "seq": seq,
            "event_id": f"e{seq}",
            "occurred_at": start + timedelta(seconds=seq),
            "clinic_id": "c1",
            "actor_user_id": "u1",
            "actor_label": "nurse@example.com",
            "action": "patient.view",
            "resource_type": "patient",
            "resource_id": f"p{seq % 3}",
            "patient_id": None,
            "outcome": "success",
            "ip": "127.0.0.1",
            "details": {"n": seq},
            "prev_hash": previous,
        }
        event["row_hash"] = event_hash(previous, event)
        previous = event["row_hash"]
        events.append(event)
    return events


class TestVerifyChain:
    def test_intact_chain(self) -> None:
        report = verify_chain(build_chain(20))
        assert report.intact
        assert report.events_checked == 20

    def test_empty_chain_is_intact(self) -> None:
        assert verify_chain([]).intact

    @given(st.integers(min_value=2, max_value=30), st.data())
    def test_altering_any_field_of_any_event_is_found_at_that_event(
        self, count: int, data: st.DataObject
    ) -> None:
        events = build_chain(count)
        index = data.draw(st.integers(min_value=0, max_value=count - 1))
        field = data.draw(
            st.sampled_from(["actor_label", "action", "resource_id", "outcome", "ip"])
        )
        events[index][field] = "tampered"
        report = verify_chain(events)
        assert report.first_break is not None
        assert report.first_break.seq == index + 1
        assert report.first_break.reason == "content was altered"

    @given(st.integers(min_value=3, max_value=30), st.data())
    def test_removing_an_event_is_found(self, count: int, data: st.DataObject) -> None:
        events = build_chain(count)
        index = data.draw(st.integers(min_value=0, max_value=count - 2))
        del events[index]
        report = verify_chain(events)
        assert report.first_break is not None
        assert report.first_break.seq == index + 2

    def test_swapping_two_events_is_found(self) -> None:
        events = build_chain(10)
        events[4], events[5] = events[5], events[4]
        report = verify_chain(events)
        assert report.first_break is not None
        assert report.first_break.seq == 6

    def test_rehashing_one_altered_event_still_breaks_the_next_link(self) -> None:
        events = build_chain(10)
        events[3]["action"] = "patient.create"
        events[3]["row_hash"] = event_hash(events[3]["prev_hash"], events[3])
        report = verify_chain(events)
        assert report.first_break is not None
        assert report.first_break.seq == 5
