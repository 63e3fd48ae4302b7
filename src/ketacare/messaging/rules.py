"""Pure outbox rules: when reminders go out, what a failed try leads to, one-line summaries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

SENDING_LEASE = timedelta(minutes=15)
"""A try still "sending" after this long was interrupted (worker stopped or crashed): the SMTP
client gives up after 15 seconds per step, so no healthy try lasts anywhere near this."""

SUMMARY_ORDER = ("sent", "queued", "sending", "retrying", "failed", "cancelled")


def send_times(
    now: datetime, starts_at: datetime, hours_before: Iterable[int]
) -> list[tuple[int, datetime]]:
    """(hours before, send time) for each offset still in the future.

    A booking made closer to the visit than every offset gets one reminder straight away
    (``hours_before`` 0), so the patient still receives the instructions; a visit already
    started gets none.
    """
    if starts_at <= now:
        return []
    times = [(h, starts_at - timedelta(hours=h)) for h in sorted(set(hours_before), reverse=True)]
    future = [(h, at) for h, at in times if at > now]
    return future or [(0, now)]


@dataclass(frozen=True)
class AfterFailure:
    status: str  # "retrying" or "failed"
    next_attempt_at: datetime | None


def after_failure(
    now: datetime, attempts_in_budget: int, max_attempts: int, retry_minutes: int
) -> AfterFailure:
    """A failed try is retried after ``retry_minutes`` until ``max_attempts`` tries were made."""
    if attempts_in_budget >= max_attempts:
        return AfterFailure("failed", None)
    return AfterFailure("retrying", now + timedelta(minutes=retry_minutes))


def summary_line(statuses: Iterable[str]) -> str:
    counts = Counter(statuses)
    return " · ".join(f"{counts[s]} {s}" for s in SUMMARY_ORDER if counts[s])
