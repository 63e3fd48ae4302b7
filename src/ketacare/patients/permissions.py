"""Which roles may do what with patient records (function level; data level is the repository)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from ketacare.accounts.deps import RequireRole, RoleRequired
from ketacare.kit.actor import Actor

READ_ROLES = ("admin", "physician", "nurse", "therapist", "front_desk")
REGISTER_ROLES = ("admin", "physician", "nurse", "front_desk")
MEASURE_ROLES = ("physician", "nurse")
DIAGNOSE_ROLES = ("physician",)

Reader = Annotated[Actor, Depends(RequireRole(*READ_ROLES))]
Registrar = Annotated[Actor, Depends(RequireRole(*REGISTER_ROLES))]
Measurer = Annotated[Actor, Depends(RequireRole(*MEASURE_ROLES))]
Diagnostician = Annotated[Actor, Depends(RequireRole(*DIAGNOSE_ROLES))]


def check_may_void(actor: Actor, kind: str) -> None:
    """Whoever may record a kind of entry may void it; diagnoses stay with physicians."""
    allowed = DIAGNOSE_ROLES if kind == "diagnosis" else MEASURE_ROLES
    if actor.role not in allowed:
        raise RoleRequired()
