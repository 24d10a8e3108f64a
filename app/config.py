"""Settings, read from the environment with the prefix MODELATLAS_.

Every setting is declared once here with its default and help text; the
README's configuration table is checked against this class by a test.
"""

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET_KEY = "change-me-development-only"  # noqa: S105 - the sentinel that is refused


class Settings(BaseSettings):
    """Runtime configuration of one Model Atlas process."""

    model_config = SettingsConfigDict(env_prefix="MODELATLAS_", extra="ignore")

    environment: Literal["development", "test", "production"] = Field(
        "development",
        description="development, test or production; production refuses the default secret key.",
    )
    database_url: str = Field(
        "sqlite:///modelatlas.db",
        description="SQLAlchemy URL. SQLite file in the working directory by default; "
        "postgresql+psycopg://user@host/db for PostgreSQL.",
    )
    secret_key: str = Field(
        DEFAULT_SECRET_KEY,
        description="Secret for signing tokens. Must be set outside development and test.",
    )
    log_level: str = Field("INFO", description="Python logging level for the app's loggers.")
    auto_populate: bool = Field(
        True,
        description="On `serve`, seed and import genai-prices when the catalog is empty.",
    )
    page_size: int = Field(50, ge=5, le=200, description="Models per catalog page.")

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> "Settings":
        if (
            self.environment not in ("development", "test")
            and self.secret_key == DEFAULT_SECRET_KEY
        ):
            raise ValueError(
                "MODELATLAS_SECRET_KEY must be set to a random value outside development "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return self
