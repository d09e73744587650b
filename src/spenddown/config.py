"""Settings, in one pydantic-settings class (environment variables ``SPENDDOWN_*``).

Without ``SPENDDOWN_SECRET_KEY`` each process draws a random key (``spenddown serve --workers N``
draws one for its workers, ``SPENDDOWN_RUN_KEY``): safe, but web sessions then end when the
server stops. A key that is set must be at least 32 characters."""

from __future__ import annotations

import ipaddress
import secrets

from pydantic import Field, PrivateAttr, field_validator, model_validator
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

    run_key: str = Field(
        default="",
        description="Set by `spenddown serve --workers N` when SPENDDOWN_SECRET_KEY is not: the "
        "key its workers share for this run (session cookie, sealed web credentials, PIN cache); "
        "never the PINs' pepper. Not a setting to set by hand",
    )
    _key_generated: bool = PrivateAttr(default=True)

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
        self._key_generated = "secret_key" not in self.model_fields_set
        if self._key_generated and len(self.run_key) >= MIN_SECRET:
            self.secret_key = self.run_key  # one key for the run's workers, still not a pepper
        return self

    @property
    def secret_key_generated(self) -> bool:
        """No SPENDDOWN_SECRET_KEY: the key is the process's own or the run's (``run_key``),
        so it must not pepper PINs (a hash made with it would fail after the restart)."""
        return self._key_generated
