"""orgsvc: organisation access and roles for a regulator's business portal («Min side»)."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask.helpers import get_debug_flag

from orgsvc import config as config_module
from orgsvc.paths import MIGRATIONS_DIR, resource_dir

__all__ = ["create_app"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application. ``config`` (Flask config keys) overrides the environment."""
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("ORGSVC_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
        template_folder=str(resource_dir("templates")),
    )
    app.config.from_mapping(config_module.build(Path(app.instance_path), config, os.environ))
    if app.config["ORGSVC_ENV"] == "production" and (app.debug or get_debug_flag()):
        # FLASK_DEBUG would also switch on the Werkzeug debugger under `orgsvc run`.
        raise config_module.ConfigError("debug mode must never be on in production")
    _configure_logging(app)
    _register_extensions(app)
    _register_access(app)
    _register_blueprints(app)
    _register_cli(app)
    return app


def _configure_logging(app: Flask) -> None:
    logger = logging.getLogger("orgsvc")
    logger.setLevel(app.config["ORGSVC_LOG_LEVEL"].upper())
    if not logger.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)


def _register_extensions(app: Flask) -> None:
    from orgsvc import i18n, models  # noqa: F401  (every table registered before use)
    from orgsvc.accounts import auth
    from orgsvc.accounts.passwords import Passwords
    from orgsvc.accounts.throttle import Throttle
    from orgsvc.db import configure_engine, release_session, track_writes
    from orgsvc.extensions import csrf, db, migrate
    from orgsvc.registry import service as registry_service
    from orgsvc.security import allow_large_uploads

    # Before CSRF protection reads the form: upload routes may receive large files.
    app.before_request(allow_large_uploads)
    db.init_app(app)
    # Registered after Flask-SQLAlchemy's own teardown, so it runs first (teardowns run in reverse).
    app.teardown_appcontext(lambda request_error: release_session(db.session, request_error))
    track_writes(db.session)
    with app.app_context():
        for engine in db.engines.values():
            configure_engine(engine)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), compare_type=True, render_as_batch=True)
    csrf.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    app.extensions["orgsvc.passwords"] = Passwords(**app.config["ORGSVC_ARGON2"])
    app.extensions["orgsvc.throttle"] = Throttle(
        app.config["ORGSVC_REDIS_URL"] or "memory://", app.config["ORGSVC_REDIS_PREFIX"])
    registry_service.init_app(app)


def _register_access(app: Flask) -> None:
    from orgsvc.access.policy import load_policy

    app.extensions["orgsvc.policy"] = load_policy(str(resource_dir("policies")))


def _register_blueprints(app: Flask) -> None:
    from orgsvc import errors, security
    from orgsvc.accounts.views import bp as accounts
    from orgsvc.api.views import bp as api
    from orgsvc.approvals.views import bp as approvals
    from orgsvc.audit.views import bp as audit
    from orgsvc.cases.views import bp as cases
    from orgsvc.extensions import csrf
    from orgsvc.inbox.views import bp as inbox
    from orgsvc.mail.hooks import init_app as init_mail
    from orgsvc.notify.views import bp as notify
    from orgsvc.organisations.views import bp as organisations
    from orgsvc.portal import frame
    from orgsvc.portal.views import bp as portal
    from orgsvc.roles.views import bp as roles
    from orgsvc.web import IdConverter

    # Before any blueprint adds its routes: every <int:...> is bounded to the ids' range.
    app.url_map.converters["int"] = IdConverter
    for blueprint in (portal, accounts, inbox, organisations, roles, approvals, audit, cases, api, notify):
        app.register_blueprint(blueprint)
    csrf.exempt(api)  # token-authenticated, no cookies: nothing for a forged request to borrow
    frame.init_app(app)
    security.register_security(app)
    errors.register_error_handlers(app)
    init_mail(app)


def _register_cli(app: Flask) -> None:
    from orgsvc.accounts.cli import accounts_cli
    from orgsvc.api.cli import api_cli
    from orgsvc.approvals.cli import approvals_cli
    from orgsvc.demo import demo_command
    from orgsvc.mail.cli import mail_cli
    from orgsvc.notify.cli import notify_cli
    from orgsvc.registry.cli import registry_cli
    from orgsvc.staff.cli import staff_cli

    for command in (staff_cli, demo_command, mail_cli, registry_cli, approvals_cli, api_cli, notify_cli,
                    accounts_cli):
        app.cli.add_command(command)
