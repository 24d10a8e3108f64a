"""The README's configuration table is the settings' documentation: keep the two in step.

Also checks the one safety rule the settings enforce: production refuses the
development secret key.
"""

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.config import DEFAULT_SECRET_KEY, Settings

README = Path(__file__).resolve().parents[2] / "README.md"
ENV_PREFIX = Settings.model_config["env_prefix"]
TABLE_ROW = re.compile(
    r"^\|\s*`(?P<name>MODELATLAS_[A-Z0-9_]+)`\s*\|(?P<default>[^|]*)\|(?P<help>.*)\|\s*$"
)


def _documented_settings() -> dict[str, tuple[str, str]]:
    """Env var -> (default cell, description cell) for each row of the README's table."""
    rows = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        match = TABLE_ROW.match(line)
        if match:
            rows[match["name"]] = (match["default"].strip().strip("`"), match["help"].strip())
    return rows


def _env_var(field_name: str) -> str:
    return f"{ENV_PREFIX}{field_name}".upper()


def _shown_default(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def test_readme_documents_every_setting_and_no_other() -> None:
    documented = _documented_settings()

    assert set(documented) == {_env_var(name) for name in Settings.model_fields}


@pytest.mark.parametrize("field_name", sorted(Settings.model_fields))
def test_readme_shows_each_settings_default_and_a_description(field_name: str) -> None:
    default, description = _documented_settings()[_env_var(field_name)]

    assert default == _shown_default(Settings.model_fields[field_name].default)
    assert description


def test_production_refuses_the_default_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MODELATLAS_SECRET_KEY", raising=False)
    monkeypatch.setenv("MODELATLAS_ENVIRONMENT", "production")

    with pytest.raises(ValidationError, match="MODELATLAS_SECRET_KEY must be set"):
        Settings()


def test_production_accepts_a_chosen_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELATLAS_ENVIRONMENT", "production")
    monkeypatch.setenv("MODELATLAS_SECRET_KEY", "a-long-random-value-for-this-test")

    settings = Settings()

    assert settings.environment == "production"
    assert settings.secret_key != DEFAULT_SECRET_KEY


@pytest.mark.parametrize("secret", ["x" * 31, "é" * 15 + "x"])
def test_production_refuses_a_secret_key_shorter_than_32_bytes(
    monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv("MODELATLAS_ENVIRONMENT", "production")
    monkeypatch.setenv("MODELATLAS_SECRET_KEY", secret)

    with pytest.raises(ValidationError, match="at least 32 bytes"):
        Settings()


def test_production_accepts_a_secret_key_of_32_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELATLAS_ENVIRONMENT", "production")
    monkeypatch.setenv("MODELATLAS_SECRET_KEY", "é" * 16)

    assert Settings().secret_key == "é" * 16


@pytest.mark.parametrize("environment", ["development", "test"])
def test_development_and_test_allow_the_default_secret_key(environment: str) -> None:
    settings = Settings(environment=environment, secret_key=DEFAULT_SECRET_KEY)

    assert settings.secret_key == DEFAULT_SECRET_KEY
