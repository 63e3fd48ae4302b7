"""Who reads and who writes protocols."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from ketacare.accounts.deps import RequireRole
from ketacare.kit.actor import Actor

READ_ROLES = ("admin", "physician", "nurse", "therapist")
EDIT_ROLES = ("admin", "physician")

ProtocolReader = Annotated[Actor, Depends(RequireRole(*READ_ROLES))]
ProtocolEditor = Annotated[Actor, Depends(RequireRole(*EDIT_ROLES))]
