"""Pure hash-chain rules: how an event's hash is computed and how a chain is checked."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS_HASH = "0" * 64

# The fields that the hash covers, in the order they are written to the canonical form.
CHAINED_FIELDS = (
    "seq",
    "event_id",
    "occurred_at",
    "clinic_id",
    "actor_user_id",
    "actor_label",
    "action",
    "resource_type",
    "resource_id",
    "patient_id",
    "outcome",
    "ip",
    "details",
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if value is None or isinstance(value, (str, int, float, bool, dict, list)):
        return value
    return str(value)


def canonical_json(fields: Mapping[str, Any]) -> str:
    """Sorted keys, no whitespace, ISO timestamps: the same bytes on every database."""
    return json.dumps(
        {key: _plain(fields.get(key)) for key in CHAINED_FIELDS},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def event_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(fields)).encode()).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


@dataclass(frozen=True)
class ChainReport:
    events_checked: int
    head_hash: str
    first_break: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.first_break is None


def verify_chain(events: Iterable[Mapping[str, Any]]) -> ChainReport:
    """Walk events in ``seq`` order; report the first one that was altered, removed or reordered."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    for event in events:
        count += 1
        seq = int(event["seq"])
        if seq != expected_seq:
            what = "missing" if seq > expected_seq else "out of order"
            return ChainReport(
                count, expected_prev, ChainBreak(seq, f"event {expected_seq} {what}")
            )
        if event["prev_hash"] != expected_prev:
            reason = "does not follow the event before it (removed or reordered)"
            return ChainReport(count, expected_prev, ChainBreak(seq, reason))
        if event_hash(event["prev_hash"], event) != event["row_hash"]:
            return ChainReport(count, expected_prev, ChainBreak(seq, "content was altered"))
        expected_prev = event["row_hash"]
        expected_seq += 1
    return ChainReport(count, expected_prev, None)
