"""Who may do what: the roles, the principal a request is authenticated as, and the errors of a
request refused for want of a valid key or of a role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chipcontrols.errors import ChipControlsError

ROLES = ("viewer", "analyst", "admin")


class AuthError(ChipControlsError):
    code = "unauthenticated"
    http_status = 401


class ForbiddenError(ChipControlsError):
    code = "forbidden"
    http_status = 403


def role_rank(role: str) -> int:
    return ROLES.index(role)


@dataclass(frozen=True)
class Principal:
    user_id: int
    name: str
    role: str
    key_id: str
    kind: str  # api | session

    @property
    def actor(self) -> str:
        return f"user:{self.name}"

    def allows(self, role: str) -> bool:
        return role_rank(self.role) >= role_rank(role)

    def to_dict(self) -> dict[str, Any]:
        return {"user": self.name, "role": self.role, "key_id": self.key_id, "kind": self.kind}
