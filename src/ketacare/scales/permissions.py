"""Who may do what with rating scales (function level; data level is the repository)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from ketacare.accounts.deps import RequireRole
from ketacare.kit.actor import Actor

CLINICIANS = ("physician", "nurse", "therapist")
READ_ROLES = ("admin", "physician", "nurse", "therapist")
LINK_ROLES = ("physician", "nurse", "therapist", "front_desk")

Clinician = Annotated[Actor, Depends(RequireRole(*CLINICIANS))]
ScaleReader = Annotated[Actor, Depends(RequireRole(*READ_ROLES))]
LinkIssuer = Annotated[Actor, Depends(RequireRole(*LINK_ROLES))]
