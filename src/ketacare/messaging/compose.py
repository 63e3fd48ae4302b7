"""Reminder wording (pure): when, where, how to prepare, and a questionnaire invitation.

No clinical details beyond the pre-visit instructions: no treatment name, dose or score.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ketacare.messaging.instructions import Instruction

MASK = "(link removed from the stored copy)"


@dataclass(frozen=True)
class Invitation:
    short_name: str
    url: str
    expires: datetime  # clinic-local


@dataclass(frozen=True)
class Reminder:
    clinic_name: str
    place: str
    starts: datetime  # clinic-local, aware
    instructions: list[Instruction]


def local_time(moment: datetime) -> str:
    zone = moment.tzname() or ""
    return f"{moment:%A} {moment.day} {moment:%B %Y}, {moment:%H:%M} ({zone})".replace(" ()", "")


def subject(starts: datetime) -> str:
    return f"Reminder: your appointment on {starts:%a} {starts.day} {starts:%b} at {starts:%H:%M}"


def body(reminder: Reminder, invitation: Invitation | None) -> str:
    where = f"{reminder.clinic_name}, {reminder.place}" if reminder.place else reminder.clinic_name
    parts = [
        "Hello,\n",
        f"This is a reminder of your appointment at {reminder.clinic_name}.\n",
        f"When:  {local_time(reminder.starts)}\nWhere: {where}\n",
    ]
    if reminder.instructions:
        lines = ["Before your appointment:"]
        for item in reminder.instructions:
            choice = "; set by your clinic" if item.clinic_choice else ""
            lines.append(f"- {item.text}\n  (Source: {item.cite}{choice})")
        parts.append("\n".join(lines) + "\n")
    if invitation is not None:
        parts.append(
            "Before your visit, please answer a short questionnaire "
            f"({invitation.short_name}). It takes a few minutes on your phone:\n\n"
            f"{invitation.url}\n\n"
            f"The link works once and expires on {local_time(invitation.expires)}.\n"
        )
    parts.append(
        "If you cannot come, please call the clinic.\n"
        "If you are in crisis, call your local emergency number now.\n"
    )
    return "\n".join(parts)
