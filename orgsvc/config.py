"""Configuration from the environment (prefix ``ORGSVC_``), with production safety checks.

Precedence: built-in defaults < environment < the mapping passed to ``create_app``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

ENVIRONMENTS = ("development", "production", "test")

# Sample values seen in tutorials and templates; a key from this list is as good as none.
KNOWN_WEAK_SECRETS = frozenset(
    {
        "dev", "development", "secret", "secret-key", "secretkey", "changeme", "change-me", "password",
        "not-so-secret", "you-will-never-guess", "super-secret", "supersecret", "default", "test",
        "testing", "flask", "insecure", "your-secret-key", "mysecretkey", "s3cr3t", "key",
    }
)
MIN_SECRET_LENGTH = 32


class ConfigError(RuntimeError):
    """The configuration is unsafe or inconsistent; the service refuses to start."""


@dataclass(frozen=True)
class Setting:
    """One ``ORGSVC_*`` environment variable and the Flask config key it sets."""

    env: str
    key: str
    parse: Callable[[str], Any] = str


def _bool(value: str) -> bool:
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"not a boolean: {value!r}")


def _list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


SETTINGS = (
    Setting("ORGSVC_ENV", "ORGSVC_ENV"),
    Setting("ORGSVC_DATABASE_URL", "SQLALCHEMY_DATABASE_URI"),
    Setting("ORGSVC_SECRET_KEY", "SECRET_KEY"),
    Setting("ORGSVC_SECRET_KEY_FALLBACKS", "SECRET_KEY_FALLBACKS", _list),
    Setting("ORGSVC_DEBUG", "DEBUG", _bool),
    Setting("ORGSVC_BASE_URL", "ORGSVC_BASE_URL"),
    Setting("ORGSVC_TRUSTED_HOSTS", "TRUSTED_HOSTS", _list),
    Setting("ORGSVC_PROXY_HOPS", "ORGSVC_PROXY_HOPS", int),
    Setting("ORGSVC_REDIS_URL", "ORGSVC_REDIS_URL"),
    Setting("ORGSVC_REDIS_PREFIX", "ORGSVC_REDIS_PREFIX"),
    Setting("ORGSVC_SESSION_HOURS", "ORGSVC_SESSION_HOURS", float),
    Setting("ORGSVC_SESSION_IDLE_MINUTES", "ORGSVC_SESSION_IDLE_MINUTES", float),
    Setting("ORGSVC_LOG_LEVEL", "ORGSVC_LOG_LEVEL"),
    Setting("ORGSVC_MAIL_FROM", "ORGSVC_MAIL_FROM"),
    Setting("ORGSVC_MAIL_BACKEND", "ORGSVC_MAIL_BACKEND"),
    Setting("ORGSVC_SMTP_URL", "ORGSVC_SMTP_URL"),
    Setting("ORGSVC_SMTP_CA_FILE", "ORGSVC_SMTP_CA_FILE"),
    Setting("ORGSVC_SMTP_TIMEOUT", "ORGSVC_SMTP_TIMEOUT", float),
    Setting("ORGSVC_MAIL_DELIVER_INLINE", "ORGSVC_MAIL_DELIVER_INLINE", _bool),
    Setting("ORGSVC_REGISTRY", "ORGSVC_REGISTRY"),
    Setting("ORGSVC_BRREG_URL", "ORGSVC_BRREG_URL"),
    Setting("ORGSVC_FULLMAKT_URL", "ORGSVC_FULLMAKT_URL"),
    Setting("ORGSVC_BRREG_TIMEOUT", "ORGSVC_BRREG_TIMEOUT", float),
    Setting("ORGSVC_BRREG_RETRIES", "ORGSVC_BRREG_RETRIES", int),
    Setting("ORGSVC_BRREG_PAUSE", "ORGSVC_BRREG_PAUSE", float),
    Setting("ORGSVC_UPLOAD_DIR", "ORGSVC_UPLOAD_DIR"),
    Setting("ORGSVC_UPLOAD_MAX_MB", "ORGSVC_UPLOAD_MAX_MB", float),
    Setting("ORGSVC_JOIN_REQUEST_DAYS", "ORGSVC_JOIN_REQUEST_DAYS", int),
    Setting("ORGSVC_REAUTH_MINUTES", "ORGSVC_REAUTH_MINUTES", int),
    Setting("ORGSVC_LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS", "ORGSVC_LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"),
    Setting("ORGSVC_LOGIN_LIMIT_PER_ACCOUNT", "ORGSVC_LOGIN_LIMIT_PER_ACCOUNT"),
    Setting("ORGSVC_LOGIN_LIMIT_PER_ADDRESS", "ORGSVC_LOGIN_LIMIT_PER_ADDRESS"),
    Setting("ORGSVC_REGISTER_LIMIT_PER_ADDRESS", "ORGSVC_REGISTER_LIMIT_PER_ADDRESS"),
    Setting("ORGSVC_API_AUTH_FAILURE_LIMIT_PER_ADDRESS", "ORGSVC_API_AUTH_FAILURE_LIMIT_PER_ADDRESS"),
)


def defaults(instance_path: Path) -> dict[str, Any]:
    """Settings that hold unless the environment or the caller says otherwise."""
    return {
        "ORGSVC_ENV": "development",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance_path / 'orgsvc.sqlite3'}",
        # hide_parameters: a failed statement's error (logged by the 500 and 503 handlers) names its
        # SQL but not its values, which may be token hashes, e-mail addresses or names.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        "SECRET_KEY": None,
        "DEBUG": False,
        "ORGSVC_BASE_URL": "http://127.0.0.1:5000",
        "ORGSVC_PROXY_HOPS": 0,
        "ORGSVC_REDIS_URL": None,
        # Keeps counters apart when several deployments (staging, production) share one Redis.
        "ORGSVC_REDIS_PREFIX": "orgsvc",
        "ORGSVC_SESSION_HOURS": 12.0,
        "ORGSVC_SESSION_IDLE_MINUTES": 120.0,
        "ORGSVC_LOG_LEVEL": "INFO",
        "ORGSVC_MAIL_FROM": "Min side <ikke-svar@minside.example>",
        "ORGSVC_MAIL_BACKEND": "file",
        "ORGSVC_SMTP_URL": None,
        "ORGSVC_SMTP_CA_FILE": None,
        "ORGSVC_SMTP_TIMEOUT": 20.0,
        # None: deliver inline (right after the request) except in production, which must not.
        "ORGSVC_MAIL_DELIVER_INLINE": None,
        # None: a sent e-mail's body (with its one-time links) is removed from the outbox, except
        # under test, where the suite reads the links from the outbox. Not read from the environment.
        "ORGSVC_MAIL_KEEP_SENT_BODIES": None,
        "ORGSVC_REGISTRY": "local",
        "ORGSVC_BRREG_URL": "https://data.brreg.no/enhetsregisteret/api",
        "ORGSVC_FULLMAKT_URL": "https://data.brreg.no/fullmakt",
        "ORGSVC_BRREG_TIMEOUT": 8.0,
        "ORGSVC_BRREG_RETRIES": 2,
        "ORGSVC_BRREG_PAUSE": 30.0,
        "ORGSVC_UPLOAD_DIR": str(instance_path / "uploads"),
        "ORGSVC_UPLOAD_MAX_MB": 100.0,
        "ORGSVC_JOIN_REQUEST_DAYS": 30,
        # Granting the administrator role and approving an administrator need the password given
        # within this many minutes (at login, or again on «Bekreft passordet ditt»).
        "ORGSVC_REAUTH_MINUTES": 15,
        # Log-in attempts (counted before the password is checked; a success clears the account's
        # counts): per account from one client address (the strict one, so a stranger cannot lock
        # the owner out) and per account from anywhere (the brake on guessing from many addresses).
        # Per client address over all accounts only failures count (an office behind one NAT
        # address must not be locked out by its own log-ins).
        "ORGSVC_LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS": "5 per 15 minutes",
        "ORGSVC_LOGIN_LIMIT_PER_ACCOUNT": "50 per 15 minutes",
        "ORGSVC_LOGIN_LIMIT_PER_ADDRESS": "50 per 15 minutes",
        # Registrations one client address may send (each costs a 64 MiB password hash).
        "ORGSVC_REGISTER_LIMIT_PER_ADDRESS": "20 per hour",
        "ORGSVC_MAIL_LIMIT_PER_ACCOUNT": "5 per hour",
        # Refused API authentications one client address may make (each is logged and audited);
        # past it, the address is answered 429 without looking its tokens up or auditing them.
        "ORGSVC_API_AUTH_FAILURE_LIMIT_PER_ADDRESS": "30 per 15 minutes",
        "ORGSVC_ARGON2": {"time_cost": 3, "memory_cost": 65536, "parallelism": 4},
        # Forms are tied to the session, not to a clock: a long form must not expire mid-way.
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_NAME": "orgsvc_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": False,
        "BABEL_DEFAULT_LOCALE": "nb",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Oslo",
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    }


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Read every known ``ORGSVC_*`` variable that is set."""
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.env)
        if raw is None or raw == "":
            continue
        try:
            values[setting.key] = setting.parse(raw)
        except (ValueError, ConfigError) as error:
            raise ConfigError(f"{setting.env}: {error}") from error
    return values


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever spelling of the URL the operator gave."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_weak_secret(value: str | None) -> bool:
    """A missing, short, sample or low-variety key is weak."""
    if not value:
        return True
    return (
        value.strip().lower() in KNOWN_WEAK_SECRETS
        or len(value) < MIN_SECRET_LENGTH
        or len(set(value)) < 10
    )


def development_secret(instance_path: Path) -> str:
    """Return the local-run key kept in the instance folder, creating it on first use."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def build(instance_path: Path, overrides: Mapping[str, Any] | None, environ: Mapping[str, str]) -> dict:
    """Merge defaults, environment and overrides, then derive and check the result."""
    config = defaults(instance_path)
    config.update(from_environment(environ))
    config.update(overrides or {})
    env = config["ORGSVC_ENV"]
    if env not in ENVIRONMENTS:
        raise ConfigError(f"ORGSVC_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    config["TESTING"] = config.get("TESTING", env == "test")
    if config["ORGSVC_MAIL_DELIVER_INLINE"] is None:
        config["ORGSVC_MAIL_DELIVER_INLINE"] = env != "production"
    if config["ORGSVC_MAIL_KEEP_SENT_BODIES"] is None:
        config["ORGSVC_MAIL_KEEP_SENT_BODIES"] = env == "test"
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(config["SQLALCHEMY_DATABASE_URI"])
    if not config.get("SECRET_KEY") and env == "development":
        config["SECRET_KEY"] = development_secret(instance_path)
    _derive_session_settings(config)
    check(config)
    return config


def _derive_session_settings(config: dict) -> None:
    config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=config["ORGSVC_SESSION_HOURS"])
    if config["ORGSVC_ENV"] == "production":
        # The __Host- prefix binds the cookie to this host over HTTPS, path /.
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
        config["SESSION_COOKIE_NAME"] = "__Host-orgsvc_session"
        config["PREFERRED_URL_SCHEME"] = "https"


def check(config: Mapping[str, Any]) -> None:
    """Refuse to run with a weak secret anywhere, or with unsafe settings in production."""
    if not config.get("SECRET_KEY"):
        raise ConfigError("ORGSVC_SECRET_KEY is required (generate one with: python -c "
                          "'import secrets; print(secrets.token_hex(32))')")
    if is_weak_secret(config["SECRET_KEY"]):
        raise ConfigError(f"ORGSVC_SECRET_KEY is too weak: use at least {MIN_SECRET_LENGTH} random characters")
    if config.get("ORGSVC_REGISTRY") not in ("local", "brreg"):
        raise ConfigError(f"ORGSVC_REGISTRY must be local or brreg, not {config.get('ORGSVC_REGISTRY')!r}")
    if any(is_weak_secret(old) for old in config.get("SECRET_KEY_FALLBACKS") or ()):
        raise ConfigError("ORGSVC_SECRET_KEY_FALLBACKS holds a weak key")
    if config["ORGSVC_ENV"] == "production":
        _check_production(config)


def _check_production(config: Mapping[str, Any]) -> None:
    if config.get("DEBUG"):
        raise ConfigError("debug mode must never be on in production")
    if not str(config.get("ORGSVC_BASE_URL", "")).startswith("https://"):
        raise ConfigError("ORGSVC_BASE_URL must be an https:// URL in production")
    if not config.get("SESSION_COOKIE_SECURE"):
        raise ConfigError("session cookies must be Secure in production")
    if not config.get("ORGSVC_REDIS_URL"):
        raise ConfigError("ORGSVC_REDIS_URL is required in production: log-in and e-mail throttling must count "
                          "across every process, not per process")
    if config.get("ORGSVC_MAIL_BACKEND") == "log":
        raise ConfigError("ORGSVC_MAIL_BACKEND=log is refused in production: it writes whole e-mails, with their "
                          "one-time reset and registration links, to the log; set ORGSVC_SMTP_URL instead")
    if not config.get("ORGSVC_SMTP_URL"):
        raise ConfigError("ORGSVC_SMTP_URL is required in production: without it e-mails are only written to "
                          "files in the instance folder, one-time links included, and reach nobody")
    if config.get("ORGSVC_MAIL_DELIVER_INLINE"):
        raise ConfigError("ORGSVC_MAIL_DELIVER_INLINE must be false in production: a slow mail server would hold "
                          "up the request that sent the message; run `orgsvc mail deliver --loop` instead")
