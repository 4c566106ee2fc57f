"""Choosing the register: ``ORGSVC_REGISTRY=local`` (the embedded default) or ``brreg``."""

from __future__ import annotations

from flask import Flask, current_app

from orgsvc.registry.brreg import BrregRegister
from orgsvc.registry.local import LocalRegister
from orgsvc.registry.types import Register

REGISTERS = ("local", "brreg")


def build_register(app: Flask) -> Register:
    kind = app.config["ORGSVC_REGISTRY"]
    if kind == "local":
        return LocalRegister()
    if kind == "brreg":
        return BrregRegister(
            app.config["ORGSVC_BRREG_URL"],
            app.config["ORGSVC_FULLMAKT_URL"],
            read_timeout=app.config["ORGSVC_BRREG_TIMEOUT"],
            retries=app.config["ORGSVC_BRREG_RETRIES"],
            pause_after_failure=app.config["ORGSVC_BRREG_PAUSE"],
            user_agent=f"orgsvc/0.1 (+{app.config['ORGSVC_BASE_URL']})",
        )
    raise ValueError(f"ORGSVC_REGISTRY must be one of {', '.join(REGISTERS)}, not {kind!r}")


def register() -> Register:
    """The configured register of the current application."""
    return current_app.extensions["orgsvc.registry"]


def init_app(app: Flask) -> None:
    app.extensions["orgsvc.registry"] = build_register(app)
