"""Fixtures for the register: a threaded stand-in for data.brreg.no, and registers of both kinds."""

from __future__ import annotations

import socket

import pytest
from flask import request, request_finished
from pytest_httpserver import HTTPServer

from orgsvc.registry.brreg import BrregRegister
from orgsvc.registry.cli import SAMPLE_DIR
from orgsvc.registry.local import LocalRegister
from orgsvc.registry.service import build_register
from tests.registry.fake_brreg import OUTAGES, SLOW_SECONDS, FakeBrreg


@pytest.fixture(scope="session")
def brreg_server():
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def fake_brreg(brreg_server) -> FakeBrreg:
    brreg_server.clear()
    return FakeBrreg(brreg_server).install()


def brreg_client(fake: FakeBrreg, **options) -> BrregRegister:
    options.setdefault("read_timeout", 2.0)
    options.setdefault("retries", 1)
    options.setdefault("cache_seconds", 0.001)
    options.setdefault("pause_after_failure", 0.0)  # tests of the pause set it themselves
    return BrregRegister(fake.api_url, fake.fullmakt_url, **options)


def import_sample(app) -> None:
    from orgsvc.registry.bulk import import_file

    with app.app_context():
        for path in sorted(SAMPLE_DIR.glob("*.json")):
            import_file(path)


@pytest.fixture(params=["local", "brreg"])
def register_kind(request):
    return request.param


@pytest.fixture
def register(request, register_kind, app, fake_brreg):
    """The same register behind either implementation, inside a request context."""
    if register_kind == "local":
        import_sample(app)
        implementation = LocalRegister()
    else:
        implementation = brreg_client(fake_brreg)
    with app.test_request_context():
        yield implementation


# Short enough that a test through every outage stays quick, long enough for a loopback answer.
OUTAGE_READ_TIMEOUT = 0.25
assert OUTAGE_READ_TIMEOUT * 2 < SLOW_SECONDS


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed): connecting is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RegisterOutage:
    """The application configured for the ``brreg`` register (with the tests' short timeouts) while
    the register cannot answer in one way: ``refused`` (nothing listens) or one of ``OUTAGES``."""

    def __init__(self, kind: str, app, fake: FakeBrreg):
        self.kind, self.app, self.fake = kind, app, fake
        self.answers: list[tuple[str, str, int]] = []  # (method, full path, status) of every request

    @property
    def server_errors(self) -> list[tuple[str, str, int]]:
        """The requests answered 500 (a crash); an honest 503 «try again» is not one."""
        return [answer for answer in self.answers if answer[2] == 500]

    def _answered(self, _sender, response, **_extra) -> None:
        self.answers.append((request.method, request.full_path, response.status_code))

    def _configure(self, api_url: str, fullmakt_url: str, read_timeout: float) -> None:
        self.app.config.update(ORGSVC_REGISTRY="brreg", ORGSVC_BRREG_URL=api_url, ORGSVC_FULLMAKT_URL=fullmakt_url,
                               ORGSVC_BRREG_TIMEOUT=read_timeout, ORGSVC_BRREG_RETRIES=0)
        self.app.extensions["orgsvc.registry"] = build_register(self.app)

    def begin(self) -> None:
        if self.kind == "refused":
            dead = f"http://127.0.0.1:{closed_port()}"
            self._configure(f"{dead}/enhetsregisteret/api", f"{dead}/fullmakt", OUTAGE_READ_TIMEOUT)
        else:
            self.fake.outage = self.kind
            self._configure(self.fake.api_url, self.fake.fullmakt_url, OUTAGE_READ_TIMEOUT)

    def end(self) -> None:
        """The register answers again."""
        self.fake.outage = None
        self._configure(self.fake.api_url, self.fake.fullmakt_url, 2.0)


@pytest.fixture(params=("refused", *OUTAGES))
def register_outage(request, app, fake_brreg) -> RegisterOutage:
    """The register down, in each way it can be down, for the application under test."""
    outage = RegisterOutage(request.param, app, fake_brreg)
    outage.begin()
    with request_finished.connected_to(outage._answered, app):
        yield outage
    fake_brreg.outage = None
