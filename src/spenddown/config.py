"""Settings, in one pydantic-settings class (environment variables ``SPENDDOWN_*``).

Without ``SPENDDOWN_SECRET_KEY`` each process draws a random key: safe, but web sessions then end
when the process stops. A key that is set must be at least 32 characters."""

from __future__ import annotations

import ipaddress
import secrets

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIN_SECRET = 32
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def proxy_networks(text: str) -> tuple[Network, ...]:
    """``SPENDDOWN_TRUSTED_PROXIES``: addresses or CIDR networks, comma-separated."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip()
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SPENDDOWN_", extra="ignore")

    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: a SQLite file in the working dir"
    )
    secret_key: str = Field(
        default_factory=lambda: secrets.token_hex(32),
        description="Key of the web session cookie and of the HMAC that caches verified PINs; "
        "at least 32 characters. Default: a random key per process (sessions end with it)",
    )
    demo: bool = Field(default=False, description="Demo mode: session cookies also over HTTP")
    pool_size: int = Field(default=10, ge=1, le=200)
    pin_cache_seconds: int = Field(default=60, ge=0, le=900)
    trusted_proxies: str = Field(
        default="",
        max_length=2000,
        description="Addresses or networks (comma-separated, e.g. 10.0.0.5,10.1.0.0/16) of the "
        "reverse proxies whose X-Forwarded-For names the caller; default none: the caller is the "
        "peer address (access log, lockout by address)",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        proxy_networks(value)  # raises ValueError on a bad entry
        return value

    @model_validator(mode="after")
    def _refuse_weak_secrets(self) -> Settings:
        if "secret_key" in self.model_fields_set and len(self.secret_key) < MIN_SECRET:
            raise ValueError(
                f"SPENDDOWN_SECRET_KEY must be a random value of at least {MIN_SECRET} characters "
                "(e.g. the output of `openssl rand -hex 32`), or unset for a key per process"
            )
        return self

    @property
    def secret_key_generated(self) -> bool:
        return "secret_key" not in self.model_fields_set
