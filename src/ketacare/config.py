"""Settings: the only place that reads the environment (prefix ``KETACARE_``)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["development", "test", "production"]

_INSECURE_SECRETS = {"", "changethis", "secret", "ketacare"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KETACARE_", env_file=".env", extra="ignore")

    env: Environment = "development"
    data_dir: Path = Path("var")
    database_url: str = ""
    secret_key: SecretStr = SecretStr("")

    session_idle_minutes: int = Field(default=15, ge=1, le=24 * 60)
    session_absolute_hours: int = Field(default=12, ge=1, le=72)
    login_account_max_failures: int = Field(default=5, ge=1, le=100)
    login_ip_max_failures: int = Field(default=30, ge=1, le=10_000)
    login_window_minutes: int = Field(default=15, ge=1, le=24 * 60)
    password_min_length: int = Field(default=12, ge=8, le=64)
    argon2_time_cost: int = Field(default=3, ge=1, le=10)
    argon2_memory_kib: int = Field(default=64 * 1024, ge=8 * 1024, le=1024 * 1024)
    instruments_dir: Path | None = None
    """A clinic's own instrument files (e.g. licensed wording); same id overrides the shipped one."""
    outcome_baseline: Literal["last_before_first_treatment", "first_score"] = (
        "last_before_first_treatment"
    )
    deterioration_min_increase_pct: float = Field(default=25.0, ge=1, le=200)
    """Clinic setting: no published threshold (clinical.md §5a asks only for a flag). The default
    mirrors the partial-response band (25%) in the other direction."""
    extra_drugs_file: Path | None = None
    """A clinic's additions to the drug table (TOML, same shape as medications/knowledge/drugs.toml)."""
    adequacy_file: Path | None = None
    """Replaces eligibility/knowledge/adequacy.toml (minimum weeks, per-drug minimum doses)."""
    assessment_settings_file: Path | None = None
    """Replaces eligibility/knowledge/assessment.toml (blood-pressure limits, justification length)."""
    questionnaire_link_hours: int = Field(default=72, ge=1, le=24 * 30)
    smtp_host: str = "localhost"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = False
    mail_from: str = "ketacare@localhost"
    public_base_url: str = "http://127.0.0.1:8000"
    """Where patients' questionnaire links point (the clinic's public address)."""
    clinic_timezone: str = "UTC"
    """IANA zone name (e.g. ``Europe/Berlin``): calendar times are entered and shown in it."""
    jobs_url: str = ""
    """Job queue for the background worker: empty = a SQLite file beside the data
    (``<data_dir>/jobs.db``, one machine); ``redis://host:6379/0`` at scale."""
    reminder_hours_before: list[int] = Field(default=[48, 24], max_length=5)
    """When reminders go out before a visit (clinic setting; no literature value)."""
    message_max_attempts: int = Field(default=5, ge=1, le=20)
    message_retry_minutes: int = Field(default=10, ge=1, le=24 * 60)
    cookie_secure: bool | None = None
    """``None`` means: Secure everywhere except plain-http development."""

    @field_validator("clinic_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name such as Europe/Berlin)"
            ) from error
        return value

    @field_validator("reminder_hours_before")
    @classmethod
    def _sensible_offsets(cls, value: list[int]) -> list[int]:
        if any(not 1 <= hours <= 24 * 14 for hours in value):
            raise ValueError("each reminder must be between 1 and 336 hours before the visit")
        return sorted(set(value), reverse=True)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.clinic_timezone)

    @model_validator(mode="after")
    def _fill_defaults_and_refuse_insecure(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'ketacare.db'}"
        secret = self.secret_key.get_secret_value()
        if self.env == "production":
            if secret in _INSECURE_SECRETS or len(secret) < 32:
                raise ValueError(
                    "KETACARE_SECRET_KEY must be set to at least 32 random characters in production"
                )
            if self.cookie_secure is False:
                raise ValueError("KETACARE_COOKIE_SECURE cannot be false in production")
        elif not secret:
            self.secret_key = SecretStr(_development_secret(self.data_dir))
        return self

    @property
    def secure_cookies(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _development_secret(data_dir: Path) -> str:
    """A per-checkout random key kept in the data folder so development sessions survive restarts."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
