"""Input and output models of the evaluation committee API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class CompositionIn(BaseModel):
    size: int = Field(ge=1, le=25, description="members in all, odd (87号令 Art. 47)")
    buyer_representatives: list[str] = Field(
        default_factory=list, description="usernames of the buyer's representatives (采购人代表)"
    )


class DeclarationIn(BaseModel):
    organization_id: int
    conflict: bool
    note: str = Field(default="", max_length=1000)


class DeclarationsIn(BaseModel):
    declarations: list[DeclarationIn]


class MemberOut(BaseModel):
    position: int
    kind: str
    status: str
    name: str
    employer: str
    declared_at: datetime | None
    confirmed_at: datetime | None
    replaced_reason: str


class BidderOut(BaseModel):
    organization_id: int
    name: str


class CommitteeOut(BaseModel):
    tender_id: int
    status: str | None
    size: int | None = None
    category: str | None = None
    drawn_at: datetime | None = None
    seated_at: datetime | None = None
    reported_at: datetime | None = None
    members: list[MemberOut]
    me: dict[str, Any] | None
    bidders: list[BidderOut] = Field(
        default_factory=list, description="a drawn member's 回避 list: the bidders' names only"
    )


class DrawOut(BaseModel):
    seats: list[int]
    alternates: list[int]


class DrawRecord(BaseModel):
    tender_id: int
    algorithm: str
    seed: str
    category: str
    size: int
    expert_seats: int
    alternates: int
    candidates: list[int]
    excluded: list[dict[str, Any]]
    supplements: list[dict[str, Any]] = Field(
        default_factory=list, description="supplementary draws: seed, candidates, seats"
    )
    drawn_at: datetime | None
    drawn: list[dict[str, Any]]
    buyer_representatives: list[str]


class StatusOut(BaseModel):
    status: str


class TaskOut(BaseModel):
    tender_id: int
    reference: str
    title: str
    tender_status: str
    task: str
    deadline: datetime | None
