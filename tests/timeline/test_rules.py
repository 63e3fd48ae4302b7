"""Timeline rules: filters keep exactly what they say, newest first; days group in order; the
chart window holds every kept entry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from ketacare.timeline.rules import KINDS, Entry, Filter, by_day, select, window

moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
entries = st.lists(
    st.builds(Entry, at=moments, kind=st.sampled_from(KINDS), title=st.text(max_size=5)),
    max_size=30,
)
filters = st.builds(
    Filter,
    kinds=st.frozensets(st.sampled_from(KINDS), min_size=1),
    start=st.none() | st.dates(date(2025, 1, 1), date(2027, 12, 31)),
    end=st.none() | st.dates(date(2025, 1, 1), date(2027, 12, 31)),
)


@given(entries, filters)
def test_select_keeps_exactly_the_matching_entries_newest_first(
    found: list[Entry], chosen: Filter
) -> None:
    kept = select(found, chosen)
    assert sorted(kept, key=id) == sorted([e for e in found if chosen.keeps(e)], key=id)
    assert all(a.at >= b.at for a, b in pairwise(kept))
    for entry in kept:
        assert entry.kind in chosen.kinds
        assert chosen.start is None or entry.at.date() >= chosen.start
        assert chosen.end is None or entry.at.date() <= chosen.end


@given(entries)
def test_days_partition_the_list_in_order(found: list[Entry]) -> None:
    kept = select(found, Filter())
    days = by_day(kept)
    assert [e for _, group in days for e in group] == kept
    assert all(e.at.date() == day for day, group in days for e in group)
    assert len({day for day, _ in days}) == len(days)


@given(entries, filters)
def test_the_window_holds_every_kept_entry_and_spans_two_weeks(
    found: list[Entry], chosen: Filter
) -> None:
    kept = select(found, chosen)
    span = window(kept, chosen)
    if span is None:
        assert not kept
        return
    low, high = span
    assert high - low >= timedelta(days=14) - timedelta(microseconds=1)
    if chosen.start is None and chosen.end is None:
        assert all(low <= e.at <= high for e in kept)


def test_a_worked_example() -> None:
    day = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    found = [
        Entry(day, "score", "PHQ-9 18"),
        Entry(day + timedelta(hours=1), "treatment", "Session 1: 40 mg"),
        Entry(day + timedelta(days=3), "medication", "Changed: sertraline 100 mg"),
    ]
    kept = select(found, Filter(frozenset({"score", "treatment"})))
    assert [e.title for e in kept] == ["Session 1: 40 mg", "PHQ-9 18"]
    assert [d for d, _ in by_day(select(found, Filter()))] == [date(2026, 6, 4), date(2026, 6, 1)]
