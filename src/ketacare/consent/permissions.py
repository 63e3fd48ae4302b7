"""Who may do what with consent. Routes check the role; services check again for any caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from ketacare.accounts.deps import RequireRole, RoleRequired
from ketacare.kit.actor import Actor
from ketacare.patients.permissions import READ_ROLES

WITNESS_ROLES = ("physician", "nurse", "front_desk")
PUBLISH_ROLES = ("admin", "physician")
WITHDRAW_ROLES = ("physician", "nurse")

ConsentReader = Annotated[Actor, Depends(RequireRole(*READ_ROLES))]
Witness = Annotated[Actor, Depends(RequireRole(*WITNESS_ROLES))]
Publisher = Annotated[Actor, Depends(RequireRole(*PUBLISH_ROLES))]
Withdrawer = Annotated[Actor, Depends(RequireRole(*WITHDRAW_ROLES))]


def require(actor: Actor, roles: tuple[str, ...]) -> None:
    if actor.role not in roles or actor.user_id is None:
        raise RoleRequired()
