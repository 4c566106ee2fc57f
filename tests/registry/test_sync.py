"""``orgsvc registry sync``: the change feeds bring the local copy up to date and remember where."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest
from werkzeug import Request, Response

from orgsvc.registry.local import LocalRegister
from orgsvc.registry.sync import SyncNeedsStart, sync
from orgsvc.registry.types import LookupStatus
from tests.registry.fake_brreg import API
from tests.registry.fixtures import brreg_client, import_sample

NORDLYS, BAKERIET, FJELL, EQUINOR = "310000019", "310000027", "310000035", "923609016"
SINCE = datetime(2026, 11, 1, tzinfo=UTC)


def _updates(after: int):
    updates = [
        (1, NORDLYS, "Endring"), (2, FJELL, "Sletting"), (3, BAKERIET, "Fjernet"), (4, EQUINOR, "Ny"),
    ]
    return [{"oppdateringsid": uid, "dato": "2026-11-20T00:20:10.625Z", "organisasjonsnummer": orgnr,
             "endringstype": kind, "_links": {"enhet": {"href": f"{API}/enheter/{orgnr}"}}}
            for uid, orgnr, kind in updates if uid > after]


@pytest.fixture
def feeds(fake_brreg, brreg_server):
    seen = {"enheter": [], "roller": []}

    def entity_feed(request: Request) -> Response:
        seen["enheter"].append(dict(request.args))
        after = int(request.args["oppdateringsid"]) - 1 if "oppdateringsid" in request.args else 0
        updates = _updates(after)
        body = {"_links": {}, "page": {"size": 1000, "totalElements": len(updates), "number": 0}}
        if updates:
            body["_embedded"] = {"oppdaterteEnheter": updates}
        return Response(json.dumps(body), content_type="application/json")

    def subunit_feed(_request: Request) -> Response:
        return Response(json.dumps({"_links": {}, "page": {"totalElements": 0}}), content_type="application/json")

    def role_feed(request: Request) -> Response:
        seen["roller"].append(dict(request.args))
        events = [] if request.args.get("afterId") == "500" else [
            {"specversion": "1.0", "id": "500", "source": f"{API}/enheter/{NORDLYS}/roller",
             "type": "no.brreg.enhetsregisteret.rolle.oppdatert", "time": "2026-11-20T12:30:00Z",
             "data": {"organisasjonsnummer": NORDLYS}}]
        return Response(json.dumps(events), content_type="application/json")

    brreg_server.expect_request(f"{API}/oppdateringer/enheter").respond_with_handler(entity_feed)
    brreg_server.expect_request(f"{API}/oppdateringer/underenheter").respond_with_handler(subunit_feed)
    brreg_server.expect_request(f"{API}/oppdateringer/roller").respond_with_handler(role_feed)

    # What the register says now.
    fake_brreg.entities[NORDLYS]["navn"] = "NORDLYS ELEKTRO OG LYD AS"
    deleted = fake_brreg.entities[FJELL]
    fake_brreg.entities[FJELL] = {"respons_klasse": "SlettetEnhet", "organisasjonsnummer": FJELL,
                                  "navn": deleted["navn"], "organisasjonsform": deleted["organisasjonsform"],
                                  "slettedato": "2026-11-19"}
    fake_brreg.removed[BAKERIET] = "2026-11-19"
    equinor = copy.deepcopy(fake_brreg.entities[NORDLYS])
    equinor.update(organisasjonsnummer=EQUINOR, navn="EQUINOR ASA")
    fake_brreg.entities[EQUINOR] = equinor
    fake_brreg.roles[NORDLYS] = [{"type": {"kode": "DAGL", "beskrivelse": "Daglig leder"}, "roller": [
        {"type": {"kode": "DAGL", "beskrivelse": "Daglig leder"},
         "person": {"fodselsdato": "1980-01-01", "navn": {"fornavn": "Nina", "etternavn": "Ny"}, "erDoed": False},
         "fratraadt": False, "avregistrert": False}]}]
    return seen


def test_sync_applies_every_kind_of_change(app, fake_brreg, feeds):
    import_sample(app)
    with app.app_context():
        report = sync(brreg_client(fake_brreg), SINCE)
        assert report.changed == {"enheter": 4, "underenheter": 0, "roller": 1}
        local = LocalRegister()
        assert local.lookup(NORDLYS).entity.name == "NORDLYS ELEKTRO OG LYD AS"
        assert [e.name for e in local.search("lyd")] == ["NORDLYS ELEKTRO OG LYD AS"]
        assert local.lookup(FJELL).status == LookupStatus.DELETED
        assert local.lookup(BAKERIET).status == LookupStatus.REMOVED
        assert local.search("bakeriet") == []
        assert local.lookup(EQUINOR).entity.name == "EQUINOR ASA"
        assert [(h.role_code, h.name) for h in local.role_holders(NORDLYS)] == [("DAGL", "Nina Ny")]
    assert feeds["enheter"][0] == {"size": "1000", "dato": "2026-11-01T00:00:00.000Z"}
    assert feeds["roller"][0] == {"size": "1000", "afterTime": "2026-11-01T00:00:00.000Z"}


def test_the_next_sync_continues_where_the_last_ended(app, fake_brreg, feeds):
    import_sample(app)
    with app.app_context():
        sync(brreg_client(fake_brreg), SINCE)
        feeds["enheter"].clear()
        feeds["roller"].clear()
        assert sync(brreg_client(fake_brreg)).changed == {"enheter": 0, "underenheter": 0, "roller": 0}
    assert feeds["enheter"] == [{"size": "1000", "oppdateringsid": "5"}]
    assert feeds["roller"] == [{"size": "1000", "afterId": "500"}]


def test_the_first_sync_needs_a_start(app, fake_brreg):
    with app.app_context(), pytest.raises(SyncNeedsStart):
        sync(brreg_client(fake_brreg))


def test_sync_command(app, fake_brreg, feeds, runner):
    app.config.update(ORGSVC_BRREG_URL=fake_brreg.api_url, ORGSVC_FULLMAKT_URL=fake_brreg.fullmakt_url)
    import_sample(app)
    result = runner.invoke(args=["registry", "sync", "--since", "2026-11-01"])
    assert result.exit_code == 0, result.output
    assert "enheter: 4 changes applied" in result.output
    again = runner.invoke(args=["registry", "sync"])
    assert "enheter: 0 changes applied" in again.output
