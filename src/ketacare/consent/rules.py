"""Pure consent rules: name matching, the signing-date window, text hashing, status, layout."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from ketacare.eligibility.screening import Treatment

SIGNING_WINDOW_DAYS = 1  # no clinic time zone yet: today's UTC date ± 1 covers every zone


def normalise_name(text: str) -> str:
    """A name for comparison only: case, accents, width and extra spaces do not count.

    Accents are dropped because a tablet keyboard may lack them; the dotless i (U+0131) is
    folded with i because Unicode case folding keeps the Turkish i's apart.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("\u0131", "i"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(unicodedata.normalize("NFKC", bare).casefold().split())


def name_matches(typed: str, given_name: str, family_name: str) -> bool:
    """The typed name is the registered given + family name (either order), ignoring case and
    extra spaces."""
    wanted = normalise_name(typed)
    if not wanted:
        return False
    given, family = normalise_name(given_name), normalise_name(family_name)
    return wanted in {f"{given} {family}".strip(), f"{family} {given}".strip()}


def signing_window(today: date) -> tuple[date, date]:
    return today - timedelta(days=SIGNING_WINDOW_DAYS), today + timedelta(days=SIGNING_WINDOW_DAYS)


def signed_on_problem(signed_on: date, today: date) -> str | None:
    earliest, latest = signing_window(today)
    if signed_on > latest:
        return "cannot be in the future: write today's date"
    if signed_on < earliest:
        return "must be today's date: a consent cannot be back-dated"
    return None


def normalise_body(text: str) -> str:
    """Line endings as LF and no outer blank space; the words themselves are never touched."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip() + "\n"


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SignatureFacts:
    version: int
    signed_on: date
    withdrawn_on: date | None = None
    withdrawal_reason: str | None = None


def judge(latest: SignatureFacts | None, current_version: int) -> tuple[bool, str]:
    """Whether the latest live signature is valid consent for the current version, and why."""
    if latest is None:
        return False, "no consent on file"
    if latest.withdrawn_on is not None:
        return False, f"withdrawn on {latest.withdrawn_on}: {latest.withdrawal_reason}"
    if latest.version < current_version:
        return False, f"a new version ({current_version}) needs a new signature"
    return True, f"signed version {latest.version} on {latest.signed_on}"


BlockKind = Literal["heading", "paragraph", "list"]


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    lines: tuple[str, ...]


def blocks(text: str) -> list[Block]:
    """A reading layout for the markdown-ish body: '#' headings, '-' lists, blank-line paragraphs.

    Only structure is derived; every word is shown as written (the template escapes it).
    """
    found: list[Block] = []
    for chunk in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        if lines and lines[0].startswith("#"):
            found.append(Block("heading", (lines.pop(0).lstrip("#").strip(),)))
        if not lines:
            continue
        if all(line.startswith(("- ", "* ")) for line in lines):
            found.append(Block("list", tuple(line[2:].strip() for line in lines)))
        else:
            found.append(Block("paragraph", (" ".join(lines),)))
    return found


TREATMENTS: tuple[Treatment, ...] = ("iv_ketamine", "esketamine")
TREATMENT_LABELS: dict[Treatment, str] = {"iv_ketamine": "IV ketamine", "esketamine": "Esketamine"}


def treatment_of(value: str) -> Treatment | None:
    return next((known for known in TREATMENTS if known == value), None)
