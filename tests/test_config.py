"""The application factory and configuration: unsafe settings refuse to start."""

from __future__ import annotations

import secrets

import pytest

from orgsvc import create_app
from orgsvc.config import ConfigError, is_weak_secret
from tests.support import app_config

STRONG = secrets.token_hex(32)


def _production(tmp_path, **overrides):
    config = {
        "ORGSVC_ENV": "production",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": STRONG,
        "ORGSVC_BASE_URL": "https://minside.example",
        "ORGSVC_REDIS_URL": "redis://127.0.0.1:6379/15",
        "ORGSVC_SMTP_URL": "smtp://smtp.example:587?starttls=true",
    }
    config.update(overrides)
    return config


def test_production_refuses_a_missing_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY is required"):
        create_app(_production(tmp_path, SECRET_KEY=None))


@pytest.mark.parametrize("weak", ["dev", "you-will-never-guess", "not-so-secret", "x" * 64, "short-but-random-9f3"])
def test_weak_secret_keys_are_refused(tmp_path, weak):
    with pytest.raises(ConfigError, match="too weak"):
        create_app(_production(tmp_path, SECRET_KEY=weak))


def test_a_weak_key_is_refused_outside_tests_even_in_development(tmp_path):
    with pytest.raises(ConfigError):
        create_app({"SECRET_KEY": "dev", "TESTING": False, "INSTANCE_PATH": str(tmp_path)})


def test_production_refuses_debug_mode(tmp_path):
    with pytest.raises(ConfigError, match="debug"):
        create_app(_production(tmp_path, DEBUG=True))


def test_production_refuses_debug_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(ConfigError, match="debug"):
        create_app(_production(tmp_path))


def test_production_needs_an_https_base_url(tmp_path):
    with pytest.raises(ConfigError, match="https"):
        create_app(_production(tmp_path, ORGSVC_BASE_URL="http://minside.example"))


def test_production_needs_the_shared_throttling_store(tmp_path):
    with pytest.raises(ConfigError, match="ORGSVC_REDIS_URL is required in production"):
        create_app(_production(tmp_path, ORGSVC_REDIS_URL=None))


def test_production_refuses_delivering_mail_inside_requests(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match="ORGSVC_MAIL_DELIVER_INLINE must be false in production"):
        create_app(_production(tmp_path, ORGSVC_MAIL_DELIVER_INLINE=True))
    monkeypatch.setenv("ORGSVC_MAIL_DELIVER_INLINE", "true")
    with pytest.raises(ConfigError, match="ORGSVC_MAIL_DELIVER_INLINE"):
        create_app(_production(tmp_path))


def test_production_refuses_writing_mail_to_the_log(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match="ORGSVC_MAIL_BACKEND=log is refused in production"):
        create_app(_production(tmp_path, ORGSVC_MAIL_BACKEND="log", ORGSVC_SMTP_URL=None))
    monkeypatch.setenv("ORGSVC_MAIL_BACKEND", "log")
    with pytest.raises(ConfigError, match="ORGSVC_MAIL_BACKEND=log"):
        create_app(_production(tmp_path, ORGSVC_SMTP_URL="smtp://smtp.example:587?starttls=true"))
    assert create_app(_production(tmp_path, ORGSVC_ENV="development")).config["ORGSVC_MAIL_BACKEND"] == "log"


def test_production_needs_an_smtp_server(tmp_path):
    """Without one, mail would only become files in the instance folder: reaching nobody, and keeping
    live one-time links on disk."""
    with pytest.raises(ConfigError, match="ORGSVC_SMTP_URL is required in production"):
        create_app(_production(tmp_path, ORGSVC_SMTP_URL=None))
    assert create_app(_production(tmp_path, ORGSVC_SMTP_URL=None, ORGSVC_ENV="development"))


@pytest.mark.parametrize(("env", "inline"), [("production", False), ("development", True), ("test", True)])
def test_mail_is_delivered_inline_by_default_except_in_production(tmp_path, env, inline):
    app = create_app(_production(tmp_path, ORGSVC_ENV=env))
    assert app.config["ORGSVC_MAIL_DELIVER_INLINE"] is inline


@pytest.mark.parametrize(("env", "keep"), [("production", False), ("development", False), ("test", True)])
def test_sent_mail_bodies_are_removed_from_the_outbox_except_under_test(tmp_path, env, keep):
    app = create_app(_production(tmp_path, ORGSVC_ENV=env))
    assert app.config["ORGSVC_MAIL_KEEP_SENT_BODIES"] is keep


def test_production_cookies_are_secure_host_only(tmp_path):
    app = create_app(_production(tmp_path))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.debug is False


def test_production_set_cookie_has_every_flag(tmp_path):
    app = create_app(_production(tmp_path))
    with app.app_context():
        from orgsvc.extensions import db

        db.create_all()
    response = app.test_client().get("/login", base_url="https://localhost")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-orgsvc_session=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert flag in cookie


def test_development_generates_and_keeps_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("ORGSVC_SECRET_KEY", raising=False)
    first = create_app({"INSTANCE_PATH": str(tmp_path)})
    second = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert not is_weak_secret(first.secret_key)
    assert first.secret_key == second.secret_key
    key_file = tmp_path / "secret_key"
    assert key_file.stat().st_mode & 0o077 == 0, "the key file must be private to its owner"


def test_environment_variables_configure_the_app(tmp_path, monkeypatch):
    monkeypatch.setenv("ORGSVC_DATABASE_URL", "postgresql://db.example/orgsvc")
    monkeypatch.setenv("ORGSVC_SECRET_KEY", STRONG)
    monkeypatch.setenv("ORGSVC_SESSION_IDLE_MINUTES", "30")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db.example/orgsvc"
    assert app.config["SECRET_KEY"] == STRONG
    assert app.config["ORGSVC_SESSION_IDLE_MINUTES"] == 30.0


def test_an_unknown_environment_name_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="ORGSVC_ENV"):
        create_app({"ORGSVC_ENV": "staging", "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": STRONG})


def test_the_default_database_is_sqlite_in_the_instance_folder(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": STRONG})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path.resolve() / 'orgsvc.sqlite3'}"


def test_a_crash_shows_a_generic_page_without_a_traceback(app):
    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom-for-test")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "secret internals" not in body and "Traceback" not in body
    assert "Noe gikk galt" in body


def test_test_config_keeps_csrf_on(app):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    assert app_config("sqlite://", "instance").get("WTF_CSRF_ENABLED", True) is True


def test_production_answers_with_hsts(tmp_path):
    """Behind HTTPS only (the base URL must be https://): browsers are told to keep to it."""
    for env, expected in (("production", "max-age=31536000; includeSubDomains"), ("development", None)):
        app = create_app(_production(tmp_path, ORGSVC_ENV=env))
        assert app.test_client().get("/healthz").headers.get("Strict-Transport-Security") == expected, env
