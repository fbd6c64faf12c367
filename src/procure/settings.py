"""Environment-driven settings (prefix PROCURE_), read once per process."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from procure import REPO_DIR

DEFAULT_VAR_DIR = REPO_DIR / "var"


class ConfigurationError(Exception):
    """A setting is missing or malformed; the message names the setting."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PROCURE_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite:///{DEFAULT_VAR_DIR / 'procure.sqlite3'}"
    secret_key: str | None = Field(default=None, min_length=32)
    locale: Literal["zh-CN", "en"] = "zh-CN"
    timezone: str = "Asia/Shanghai"
    var_dir: Path = DEFAULT_VAR_DIR
    migrations_dir: Path = REPO_DIR / "migrations"
    templates_dir: Path = REPO_DIR / "templates"
    fixtures_dir: Path = REPO_DIR / "fixtures"
    session_max_age_seconds: int = 8 * 3600
    #: PostgreSQL connections per server process; 0 opens one per query (as SQLite always does).
    database_pool_size: int = Field(default=10, ge=0, le=200)
    #: A TOML file overriding keys of the default policy (src/procure/policy.toml).
    policy_file: Path | None = None
    #: Sign-in attempts (form, JSON or token exchange) per client address and minute.
    login_attempts_per_minute: int = Field(default=20, ge=1)
    #: The OCDS ocid prefix registered with the Open Contracting Partnership (ocds-xxxxxx);
    #: every exported contracting process is `{ocid_prefix}-{tender reference}`.
    ocid_prefix: str = Field(default="ocds-procur", pattern=r"^ocds-[a-z0-9]{6}$")
    #: The publisher named in OCDS packages.
    ocds_publisher: str = Field(default="procure 政府购买社区服务平台", min_length=1)

    #: Run the task queue's worker inside each `procure serve` process (the SQLite default);
    #: on PostgreSQL run `procure worker` processes instead (the default there).
    jobs_in_process: bool | None = None
    #: Jobs a worker runs at once.
    jobs_concurrency: int = Field(default=2, ge=1, le=64)
    #: Deliver each event in the writing process as soon as its transaction commits, with no
    #: worker (the test suite: a test sees the rules' flags when the service returns).
    jobs_eager: bool = False

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme == "sqlite":
            if not parts.path or parts.path == "/":
                raise ValueError("sqlite URLs need a file path, e.g. sqlite:///var/procure.sqlite3")
            if parts.path.endswith(":memory:"):
                raise ValueError("an in-memory SQLite database cannot be shared between queries")
            return value
        if parts.scheme in {"postgresql", "postgres"}:
            if not parts.hostname and "host=" not in parts.query:
                raise ValueError(
                    "postgresql URLs need a host, e.g. postgresql://user@127.0.0.1:5432/db"
                )
            if not parts.path.strip("/"):
                raise ValueError("postgresql URLs need a database name after the host")
            return value
        raise ValueError(
            f"scheme {parts.scheme or '(none)'!r} is not supported; use sqlite:///PATH or postgresql://…"
        )

    @property
    def database_engine(self) -> Literal["sqlite", "postgresql"]:
        return "sqlite" if self.database_url.startswith("sqlite") else "postgresql"

    @property
    def runs_jobs_in_process(self) -> bool:
        if self.jobs_eager:
            return False
        if self.jobs_in_process is None:
            return self.database_engine == "sqlite"
        return self.jobs_in_process

    @property
    def sqlite_path(self) -> Path:
        # sqlite:///relative/path and sqlite:////absolute/path both work, as in SQLAlchemy.
        path = self.database_url.split("sqlite:///", 1)[1]
        return Path(path)

    def resolved_secret_key(self) -> str:
        """The secret key; development and test keep a generated one under var/."""
        if self.secret_key:
            return self.secret_key
        if self.environment == "production":
            raise ConfigurationError(
                "PROCURE_SECRET_KEY: required in production (at least 32 characters)"
            )
        key_file = self.var_dir / "secret_key"
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        return key_file.read_text().strip()


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "settings"
    message = first["msg"].removeprefix("Value error, ")
    return f"PROCURE_{field.upper()}: {message}"


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        raise ConfigurationError(_describe(error)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
