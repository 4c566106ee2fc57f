"""Fixtures for the register: a threaded stand-in for data.brreg.no, and registers of both kinds."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from orgsvc.registry.brreg import BrregRegister
from orgsvc.registry.cli import SAMPLE_DIR
from orgsvc.registry.local import LocalRegister
from tests.registry.fake_brreg import FakeBrreg


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
