"""The intake API's tests: a client with a token, whose every answer is checked against
orgsvc/api/openapi.yaml."""

from __future__ import annotations

import json

import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from orgsvc.api.auth import create_client
from orgsvc.api.views import SPEC
from tests.registry.fixtures import import_sample

OPENAPI = OpenAPI.from_path(SPEC)


@pytest.fixture
def api(app):
    import_sample(app)
    with app.app_context():
        token = create_client("klageportal")
    client = app.test_client()

    def call(method, path, token_override=None, check_request=True, headers=None, **kwargs):
        headers = {"Authorization": f"Bearer {token_override or token}", **(headers or {})}
        response = client.open(f"/api/v1{path}", method=method, headers=headers, csrf=False, **kwargs)
        sent = response.request
        body = json.dumps(kwargs["json"]).encode() if "json" in kwargs else b""
        openapi_request = MockRequest("http://localhost", method.lower(), sent.path, headers=dict(sent.headers),
                                      data=body, content_type=sent.mimetype or "application/json")
        if check_request and "json" in kwargs:
            OPENAPI.validate_request(openapi_request)
        OPENAPI.validate_response(openapi_request, MockResponse(
            response.get_data(), response.status_code, dict(response.headers), response.mimetype))
        return response

    return call
