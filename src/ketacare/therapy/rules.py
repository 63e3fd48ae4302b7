"""Pure therapy rules: the vocabularies, who may do what, and the psychotherapy-notes wall.

No I/O here. The wall is decided from three facts: who wrote the note, who is asking (user and
role), and which roles the clinic has granted. By default only the author reads a process note;
the clinic administrator may grant a clinical role, never their own (separation of duties).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Literal

THERAPY_TYPES = ("kap_preparation", "kap_dosing_support", "kap_integration", "cbt", "other")
THERAPY_TYPE_LABELS = {
    "kap_preparation": "KAP preparation",
    "kap_dosing_support": "KAP dosing-day support",
    "kap_integration": "KAP integration",
    "cbt": "CBT",
    "other": "Other",
}
KAP_TYPES = ("kap_preparation", "kap_dosing_support", "kap_integration")
MODALITIES = ("individual", "group", "couple", "family")
DELIVERIES = ("in_person", "video", "phone")
DURATION_MIN, DURATION_MAX = 1, 480
MAX_THEMES, THEME_MAX_LENGTH = 12, 80

# Function-level authorisation (the data level is in the repository).
RECORD_ROLES = ("therapist", "physician")  # record, sign, add addenda
CLINICAL_READERS = ("physician", "nurse", "therapist")  # structured fields and progress note
SUMMARY_READERS = ("admin", "front_desk")  # only that a session happened
ALL_READERS = CLINICAL_READERS + SUMMARY_READERS
GRANTABLE_ROLES = ("physician", "nurse", "therapist")  # who a clinic may let read process notes

DetailLevel = Literal["clinical", "summary"]


def detail_level(role: str) -> DetailLevel | None:
    """How much of a therapy session a role sees, or None for no access at all."""
    if role in CLINICAL_READERS:
        return "clinical"
    if role in SUMMARY_READERS:
        return "summary"
    return None


def may_record(role: str) -> bool:
    return role in RECORD_ROLES


def may_change_draft(actor_id: uuid.UUID | None, therapist_id: uuid.UUID, signed: bool) -> bool:
    """Only the author edits or signs, and only before signing."""
    return actor_id is not None and actor_id == therapist_id and not signed


def may_void_session(actor_id: uuid.UUID | None, role: str, therapist_id: uuid.UUID) -> bool:
    """The author, or a physician (who carries clinical responsibility for the record)."""
    return actor_id is not None and (actor_id == therapist_id or role == "physician")


def may_write_process_note(actor_id: uuid.UUID | None, therapist_id: uuid.UUID) -> bool:
    """Process notes are the session therapist's own working notes."""
    return actor_id is not None and actor_id == therapist_id


def may_read_process_note(
    actor_id: uuid.UUID | None, role: str, author_id: uuid.UUID, granted_roles: Collection[str]
) -> bool:
    """The wall: the author, or a clinical role the clinic has granted. Nobody else."""
    if actor_id is not None and actor_id == author_id:
        return True
    return role in GRANTABLE_ROLES and role in granted_roles


def split_themes(text: str) -> list[str]:
    """Themes typed in one form field, separated by commas or new lines."""
    parts = (part.strip() for chunk in text.splitlines() for part in chunk.split(","))
    return [part for part in parts if part]
