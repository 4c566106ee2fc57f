"""``orgsvc registry``: import, lookup, check and search, with stable JSON and exit codes."""

from __future__ import annotations

import json

import pytest

from orgsvc import create_app
from orgsvc.registry.cli import SAMPLE_DIR
from tests.support import app_config


@pytest.fixture
def sample(runner):
    result = runner.invoke(args=["registry", "import", "--sample"])
    assert result.exit_code == 0, result.output
    return result


def test_import_reports_each_file(sample):
    for name in ("enheter.json", "underenheter.json", "roller.json"):
        assert name in sample.output
    assert "15 entities records" in sample.output


def test_import_needs_files(runner):
    result = runner.invoke(args=["registry", "import"])
    assert result.exit_code != 0
    assert "give one or more FILES" in result.output


def test_lookup_json(runner, sample):
    result = runner.invoke(args=["registry", "lookup", "310000019", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output) == {"orgnr": "310000019", "name": "NORDLYS ELEKTRONIKK AS", "status": "active"}


def test_lookup_json_for_a_subunit_names_the_main_entity(runner, sample):
    answer = json.loads(runner.invoke(args=["registry", "lookup", "310 000 167", "--json"]).output)
    assert answer == {"orgnr": "310000167", "name": "NORDLYS ELEKTRONIKK AS AVD TROMSØ", "status": "subunit",
                      "main_orgnr": "310000019"}


@pytest.mark.parametrize(("orgnr", "status"), [("310000078", "deleted"), ("923609016", "not_found")])
def test_lookup_json_statuses(runner, sample, orgnr, status):
    assert json.loads(runner.invoke(args=["registry", "lookup", orgnr, "--json"]).output)["status"] == status


def test_lookup_text(runner, sample):
    output = runner.invoke(args=["registry", "lookup", "310000167"]).output
    assert "sub-unit of: 310 000 019 NORDLYS ELEKTRONIKK AS (register the main entity)" in output


def test_an_invalid_number_exits_non_zero_with_a_message(runner):
    result = runner.invoke(args=["registry", "lookup", "123456789", "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["status"] == "invalid"
    assert "not a valid organisation number" in result.stderr


def test_check_json(runner, sample):
    result = runner.invoke(args=["registry", "check", "310000019", "--name", "Ola Nordmann", "--born", "1975-03-14",
                                 "--json"])
    answer = json.loads(result.output)
    assert result.exit_code == 0
    assert answer["eligible"] is True
    assert answer["role"] == {"code": "DAGL", "description": "Daglig leder"}
    assert set(answer) >= {"eligible", "role", "reason", "checked_at"}


def test_check_text_explains_other_roles(runner, sample):
    result = runner.invoke(args=["registry", "check", "310000019", "--name", "Kari Hansen", "--born", "1988-11-02"])
    assert result.exit_code == 0
    assert "NOT ELIGIBLE: registered only as MEDL (Styremedlem)" in result.output


def test_a_register_that_cannot_answer_exits_non_zero(tmp_path):
    app = create_app(app_config(f"sqlite:///{tmp_path / 'x.sqlite3'}", tmp_path / "i", ORGSVC_REGISTRY="brreg",
                                ORGSVC_BRREG_URL="http://127.0.0.1:9/api", ORGSVC_FULLMAKT_URL="http://127.0.0.1:9/f",
                                ORGSVC_BRREG_TIMEOUT=0.2, ORGSVC_BRREG_RETRIES=0))
    runner = app.test_cli_runner()
    lookup = runner.invoke(args=["registry", "lookup", "310000019", "--json"])
    assert lookup.exit_code == 3
    assert json.loads(lookup.stdout)["status"] == "unavailable"
    assert "cannot answer" in lookup.stderr
    check = runner.invoke(args=["registry", "check", "310000019", "--name", "Ola Nordmann", "--born", "1975-03-14",
                                "--json"])
    assert check.exit_code == 3
    assert json.loads(check.stdout)["eligible"] is False


def test_search(runner, sample):
    output = runner.invoke(args=["registry", "search", "hjornet"]).output
    assert "BAKERIET PÅ HJØRNET AS" in output and "HJØRNET FRISØR ENK" in output


def test_the_sample_ships_with_the_package():
    assert {p.name for p in SAMPLE_DIR.glob("*.json")} == {"enheter.json", "underenheter.json", "roller.json"}


def test_lookup_json_for_an_entity_the_register_has_removed(app, runner, fake_brreg):
    """410 Gone (a legally removed entity), through the real client and the command's JSON form."""
    from orgsvc.registry.service import build_register

    fake_brreg.removed["923609016"] = "2024-03-09"
    app.config.update(ORGSVC_REGISTRY="brreg", ORGSVC_BRREG_URL=fake_brreg.api_url,
                      ORGSVC_FULLMAKT_URL=fake_brreg.fullmakt_url)
    app.extensions["orgsvc.registry"] = build_register(app)
    result = runner.invoke(args=["registry", "lookup", "923 609 016", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"orgnr": "923609016", "name": "923609016", "status": "removed"}
