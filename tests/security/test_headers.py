"""Security headers, escaping of user-supplied text, and no unsafe template constructs."""

from __future__ import annotations

import re

from orgsvc.extensions import db
from orgsvc.organisations.models import Organisation
from orgsvc.paths import PACKAGE_DIR, resource_dir
from tests.support import login


def test_security_headers_are_set(client):
    response = client.get("/")
    headers = response.headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "SAMEORIGIN"
    assert headers["Referrer-Policy"] == "same-origin"
    assert re.fullmatch(r"[0-9a-f]{16}", headers["X-Request-ID"])
    assert "Strict-Transport-Security" not in headers  # only in production, behind HTTPS


def test_pages_behind_login_are_not_cached(client, world):
    login(client, world.user_a.email)
    assert client.get("/account").headers["Cache-Control"] == "no-store"


def test_names_from_users_are_escaped(app, client, world):
    with app.app_context():
        db.session.get(Organisation, world.org_a.id).name = '<script>alert(1)</script>" onmouseover="x'
        db.session.commit()
    login(client, world.user_a.email)
    page = client.get("/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34; onmouseover=&#34;x" in page


def test_no_template_or_module_bypasses_escaping():
    offenders = []
    for path in list(resource_dir("templates").rglob("*.html")) + list(PACKAGE_DIR.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if "|safe" in text.replace(" ", "") or "Markup(" in text or "autoescape false" in text:
            offenders.append(str(path))
    assert offenders == []
