"""Argon2id password hashing (argon2-cffi), with rehash-on-login when parameters change."""

from __future__ import annotations

import threading
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn.frequency_lists import FREQUENCY_LISTS

# Each hash holds ``memory_kib`` of RAM; bound concurrent hashes so a login burst cannot exhaust it.
_HASH_SLOTS = threading.BoundedSemaphore(4)


class Passwords:
    def __init__(self, time_cost: int, memory_kib: int) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)
        self._dummy_hash = self._hasher.hash("dummy password for timing equalisation")

    def hash(self, password: str) -> str:
        with _HASH_SLOTS:
            return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Check a password; with no hash (unknown user) still spend the same time."""
        with _HASH_SLOTS:
            try:
                return self._hasher.verify(password_hash or self._dummy_hash, password) and (
                    password_hash is not None
                )
            except (VerificationError, InvalidHashError):
                return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)


@lru_cache
def _common_passwords() -> frozenset[str]:
    # zxcvbn ships the 30,000 most frequent leaked passwords; ASVS 6.2.4 asks for at least 3,000.
    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, min_length: int) -> str | None:
    """Why a new password is not acceptable (ASVS 6.2: length and a blocklist, no composition rules)."""
    if len(password) < min_length:
        return f"must be at least {min_length} characters long"
    if len(password) > 128:
        return "must be at most 128 characters long"
    if password.lower() in _common_passwords():
        return "is on the list of commonly used passwords; choose another"
    return None
