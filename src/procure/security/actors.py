"""Who is acting: the authenticated user as the rest of the code sees it."""

from __future__ import annotations

from dataclasses import dataclass

from procure.security.tables import Role


@dataclass(frozen=True, slots=True)
class Actor:
    id: int
    username: str
    display_name: str
    role: Role
    department_id: int | None = None
    organization_id: int | None = None
    community_id: int | None = None
    is_handler: bool = False
    is_approver: bool = False

    @property
    def label(self) -> str:
        return f"{self.username} ({self.role})"

    @classmethod
    def from_row(cls, row: dict) -> Actor:
        return cls(
            id=row["id"],
            username=row["username"],
            display_name=row["display_name"],
            role=Role(row["role"]),
            department_id=row["department"],
            organization_id=row["organization"],
            community_id=row["community"],
            is_handler=bool(row.get("is_handler")),
            is_approver=bool(row.get("is_approver")),
        )


#: The platform reading on its own behalf (the command line renders documents as it): it sees
#: what an auditor sees and can change nothing, since it holds no role that writes.
PLATFORM_READER = Actor(id=0, username="procure", display_name="procure", role=Role.auditor)
