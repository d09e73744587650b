"""Settings, in one pydantic-settings class (environment variables ``SPENDDOWN_*``).

Outside demo mode the server refuses to start with the default secret."""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me-demo-only"  # noqa: S105 - a placeholder that is refused in production


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SPENDDOWN_", extra="ignore")

    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: a SQLite file in the working dir"
    )
    secret_key: str = Field(
        default=DEFAULT_SECRET,
        description="Key of the HMAC that caches verified PINs; at least 32 characters",
    )
    demo: bool = Field(default=False, description="Demo mode: allows the default secret")
    pool_size: int = Field(default=10, ge=1, le=200)
    pin_cache_seconds: int = Field(default=60, ge=0, le=900)

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if not self.demo and (self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32):
            raise ValueError(
                "SPENDDOWN_SECRET_KEY must be set to a random value of at least 32 characters "
                "outside demo mode (e.g. the output of `openssl rand -hex 32`)"
            )
        return self
