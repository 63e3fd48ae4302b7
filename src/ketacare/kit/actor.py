"""Who is asking: the identity every service call carries for scoping and auditing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID | None
    clinic_id: uuid.UUID | None
    role: str
    label: str
    ip: str | None = None

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        """The command line and background jobs: no clinic scope, never a clinical author."""
        return cls(user_id=None, clinic_id=None, role="system", label=label)

    @classmethod
    def anonymous(cls, label: str, ip: str | None) -> Actor:
        return cls(user_id=None, clinic_id=None, role="anonymous", label=label, ip=ip)
