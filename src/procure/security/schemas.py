"""Input and output models of the authentication and user API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from procure.security.tables import Role


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=60)
    password: str = Field(min_length=1, max_length=200)


class TokenCreateIn(LoginIn):
    name: str = Field(min_length=1, max_length=100, description="what the token is for")
    valid_days: int | None = Field(default=90, ge=1, le=366)


class TokenOut(BaseModel):
    token: str = Field(description="shown once; only its SHA-256 is stored")
    token_type: str = "bearer"


class TokenInfo(BaseModel):
    id: int
    name: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class ActorOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: Role
    department_id: int | None
    organization_id: int | None
    community_id: int | None
    start_page: str


class CsrfOut(BaseModel):
    csrf_token: str
    header_name: str = "x-csrftoken"


class UserCreateIn(BaseModel):
    username: str = Field(min_length=1, max_length=60)
    display_name: str = Field(default="", max_length=120)
    password: str = Field(min_length=10, max_length=200)
    role: Role
    department_id: int | None = None
    organization_id: int | None = None
    community_id: int | None = None


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: Role
    department_id: int | None
    organization_id: int | None
    community_id: int | None
    is_active: bool
