"""Environment-driven settings (prefix PROCURE_), read once per process."""

from __future__ import annotations

import ipaddress
import re
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError

from procure import REPO_DIR

DEFAULT_VAR_DIR = REPO_DIR / "var"


class ConfigurationError(Exception):
    """A setting is missing or malformed; the message names the setting."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PROCURE_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite:///{DEFAULT_VAR_DIR / 'procure.sqlite3'}"
    secret_key: str | None = Field(default=None, min_length=32)
    #: The version number of PROCURE_SECRET_KEY: tender keys wrapped now carry it. Raise it by
    #: one when the secret changes, and list the old secret under PROCURE_PREVIOUS_SECRET_KEYS
    #: until `procure keys rotate` has re-wrapped every tender key (docs/backup.md).
    secret_key_version: int = Field(default=1, ge=1)
    #: Earlier secrets by version, as JSON: {"1": "the old secret"}. They only unwrap.
    previous_secret_keys: dict[int, str] = Field(default_factory=dict)
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
    #: The reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed: addresses
    #: or networks, comma-separated (``127.0.0.1,10.0.0.0/8``). Unset, nobody's are: the
    #: client is the address that connected, and the scheme the one it connected with.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    #: Redis or Valkey (redis://127.0.0.1:6379/0) for the stores every server process shares
    #: (rate limits); unset, they live in the database's shared_store table.
    redis_url: str | None = None
    #: Log lines as JSON objects ("json") or readable text ("text"); unset: JSON in production.
    log_format: Literal["text", "json"] | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    #: Where rendered PDFs are kept, keyed by what they show; default VAR_DIR/pdf-cache.
    pdf_cache_dir: Path | None = None
    #: The PDF cache's size bound; the least recently served files go first. 0 turns it off.
    pdf_cache_max_mb: int = Field(default=256, ge=0)
    #: PDF renders running at once in one server process (each takes a worker thread).
    pdf_render_concurrency: int = Field(default=2, ge=1, le=32)
    #: PDF downloads per client (signed-in user, else address) and minute, across processes.
    pdf_requests_per_minute: int = Field(default=30, ge=1)
    #: A token that lets a scraper read /metrics from another machine (Authorization: Bearer);
    #: without it, /metrics answers only requests from this machine (loopback).
    metrics_token: str | None = Field(default=None, min_length=16)
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

    #: The SMTP server notifications are e-mailed through: smtp://user:password@host:port
    #: (STARTTLS when the server offers it) or smtps://… (TLS from the start). Unset: no e-mail
    #: is sent; the in-app inbox works all the same.
    smtp_url: str | None = None
    #: The sender of the e-mails.
    smtp_from: str = "procure <noreply@localhost>"
    #: The address the e-mails' links start with (the site as people reach it).
    site_url: str = "http://127.0.0.1:8000"

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

    @field_validator("previous_secret_keys")
    @classmethod
    def _check_previous_secret_keys(cls, value: dict[int, str]) -> dict[int, str]:
        for version, secret in value.items():
            if version < 1:
                raise ValueError(f"version {version}: versions are whole numbers from 1")
            if len(secret) < 32:
                raise ValueError(f"version {version}: a secret has at least 32 characters")
        return value

    @model_validator(mode="after")
    def _check_key_versions(self) -> Settings:
        if self.secret_key_version in self.previous_secret_keys:
            raise ValueError(
                f"PROCURE_PREVIOUS_SECRET_KEYS: lists version {self.secret_key_version}, which "
                "is PROCURE_SECRET_KEY_VERSION, the current secret's: give the new secret a new "
                "version"
            )
        return self

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _check_trusted_proxies(cls, value: object) -> list[str]:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list):
            raise ValueError("a comma-separated list of addresses or networks")
        proxies = [str(item).strip() for item in items if str(item).strip()]
        for proxy in proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ValueError(
                    f"{proxy!r} is not an IP address or network (e.g. 10.0.0.5 or 10.0.0.0/24)"
                ) from None
        return proxies

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if urlsplit(value).scheme not in {"redis", "rediss", "unix"}:
            raise ValueError("use redis://HOST:PORT/DB, rediss://… or unix:///path.sock")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _check_smtp_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise ValueError("use smtp://[user:password@]HOST[:PORT] or smtps://…")
        return value

    @property
    def json_logs(self) -> bool:
        if self.log_format is not None:
            return self.log_format == "json"
        return self.environment == "production"

    @property
    def resolved_pdf_cache_dir(self) -> Path:
        return self.pdf_cache_dir or self.var_dir / "pdf-cache"

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

    def secret_keys(self) -> dict[int, str]:
        """Every secret that unwraps tender keys, by version: the current one and the previous."""
        return {**self.previous_secret_keys, self.secret_key_version: self.resolved_secret_key()}


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    if not first["loc"]:  # a check across settings names them in its message
        return str(first["msg"]).removeprefix("Value error, ")
    field = ".".join(str(part) for part in first["loc"]) or "settings"
    message = first["msg"].removeprefix("Value error, ")
    return f"PROCURE_{field.upper()}: {message}"


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        raise ConfigurationError(_describe(error)) from None
    except SettingsError as error:  # a JSON-valued setting that is not JSON
        field = re.search(r'field "(\w+)"', str(error))
        name = f"PROCURE_{field.group(1).upper()}" if field else "settings"
        example = '{"1": "the old secret"}'
        raise ConfigurationError(f"{name}: not valid JSON (e.g. {example})") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
