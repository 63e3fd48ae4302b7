"""Settings refuse insecure production configurations."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from ketacare.config import Settings


class TestSettings:
    def test_production_refuses_a_missing_or_weak_secret(self, tmp_path: Path) -> None:
        for secret in ("", "changethis", "short-secret"):
            with pytest.raises(ValidationError, match="KETACARE_SECRET_KEY"):
                Settings(env="production", secret_key=SecretStr(secret), data_dir=tmp_path)

    def test_production_refuses_insecure_cookies(self, tmp_path: Path) -> None:
        with pytest.raises(ValidationError, match="COOKIE_SECURE"):
            Settings(
                env="production",
                secret_key=SecretStr("k" * 40),
                cookie_secure=False,
                data_dir=tmp_path,
            )

    def test_production_cookies_are_secure(self, tmp_path: Path) -> None:
        settings = Settings(env="production", secret_key=SecretStr("k" * 40), data_dir=tmp_path)
        assert settings.secure_cookies

    def test_development_generates_and_keeps_a_secret(self, tmp_path: Path) -> None:
        first = Settings(env="development", data_dir=tmp_path)
        second = Settings(env="development", data_dir=tmp_path)
        assert len(first.secret_key.get_secret_value()) >= 32
        assert first.secret_key == second.secret_key
        assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
        assert not first.secure_cookies
        assert first.database_url == f"sqlite:///{tmp_path / 'ketacare.db'}"

    def test_environment_variables_are_read(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("KETACARE_SESSION_IDLE_MINUTES", "5")
        monkeypatch.setenv("KETACARE_DATA_DIR", str(tmp_path))
        assert Settings().session_idle_minutes == 5

    def test_out_of_range_setting_names_the_field(self, tmp_path: Path) -> None:
        with pytest.raises(ValidationError, match="session_idle_minutes"):
            Settings(session_idle_minutes=0, data_dir=tmp_path)
