"""Settings from CHIPCONTROLS_* environment variables (pydantic-settings).

| variable | default | meaning |
|---|---|---|
| CHIPCONTROLS_HOME | ~/.chipcontrols | data directory: list snapshots, the embedded database |
| CHIPCONTROLS_DATABASE_URL | SQLite file chipcontrols.db in the home | PostgreSQL for teams |
| CHIPCONTROLS_MAX_BODY_BYTES | 1048576 | largest request body the API accepts |
| CHIPCONTROLS_HOST / CHIPCONTROLS_PORT | 127.0.0.1 / 8000 | where `chipcontrols serve` listens |
| CHIPCONTROLS_SESSION_HOURS | 12 | lifetime of a web sign-in |
| CHIPCONTROLS_BATCH_CHUNK | 50 | order lines per committed chunk in `chipcontrols batch` |
| CHIPCONTROLS_WATCH_SOURCES | csl_json | sources `chipcontrols watch` fetches (comma-separated) |
| CHIPCONTROLS_WATCH_URLS | | JSON {source: url} or {source: {file: url}}: other URLs |
| CHIPCONTROLS_WATCH_EVERY | 6h | interval between passes of `chipcontrols watch` |
| CHIPCONTROLS_WATCH_NOTIFY | changes | changes, always or never |
| CHIPCONTROLS_WATCH_WEBHOOK_URL / _HEADER | | alert webhook (POST JSON); "Name: value" header |
| CHIPCONTROLS_SMTP_HOST / _PORT / _SECURITY | / 25 / none | alert e-mail server; starttls, ssl |
| CHIPCONTROLS_SMTP_USER / _PASSWORD / _FROM / _TO | | login, sender, recipients (comma-separated) |
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHIPCONTROLS_", extra="ignore")

    home: Path = Field(default_factory=lambda: Path.home() / ".chipcontrols")
    database_url: str | None = None
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    batch_chunk: int = Field(default=50, ge=1, le=10_000)
    watch_sources: str = "csl_json"
    watch_urls: str | None = None
    watch_every: str = "6h"
    watch_notify: str = Field(default="changes", pattern="^(changes|always|never)$")
    watch_webhook_url: str | None = None
    watch_webhook_header: str | None = None
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_security: str = Field(default="none", pattern="^(none|starttls|ssl)$")
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "chipcontrols@localhost"
    smtp_to: str | None = None

    @field_validator("home", mode="after")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @property
    def db_url(self) -> str:
        """The database URL: CHIPCONTROLS_DATABASE_URL, else the SQLite file in the home."""
        if self.database_url:
            url = self.database_url
            if url.startswith("postgresql://") or url.startswith("postgres://"):
                url = "postgresql+psycopg://" + url.split("://", 1)[1]
            return url
        return f"sqlite:///{self.home / 'chipcontrols.db'}"
