"""The HTTP client against the stand-in: every answer shape and failure in brreg.md."""

from __future__ import annotations

import json
import re
import time
from datetime import date

import pytest
from werkzeug import Response

from orgsvc.registry.check import Outcome, check_representative
from orgsvc.registry.types import LookupStatus, RegisterUnavailable
from tests.registry.fake_brreg import API, FULLMAKT
from tests.registry.fixtures import brreg_client

NORDLYS = "310000019"
EQUINOR = "923609016"


class Sleeps(list):
    """Stand-in for time.sleep that records the waits (the retries themselves are real requests)."""

    def __call__(self, seconds):
        self.append(seconds)


@pytest.fixture
def client(fake_brreg, monkeypatch):
    client = brreg_client(fake_brreg)
    sleeps = Sleeps()
    monkeypatch.setattr(client, "_sleep", sleeps)
    client.sleeps = sleeps
    return client


def _front(server, pattern, *answers):
    """Answers for ``pattern`` that come before the stand-in's (one-shot handlers are looked up first),
    used once each, in order; an answer is a Response or a function of the request."""
    for answer in answers:
        handler = server.expect_oneshot_request(re.compile(pattern))
        if callable(answer) and not isinstance(answer, Response):
            handler.respond_with_handler(answer)
        else:
            handler.respond_with_response(answer)


def test_requests_carry_versioned_accept_headers_and_a_user_agent(client, brreg_server):
    client.lookup(NORDLYS)
    client.role_holders(NORDLYS)
    requests = {request.path: request for request, _ in brreg_server.log}
    assert requests[f"{API}/enheter/{NORDLYS}"].headers["Accept"].startswith(
        "application/vnd.brreg.enhetsregisteret.enhet.v2+json")
    assert requests[f"{API}/enheter/{NORDLYS}/roller"].headers["Accept"].startswith(
        "application/vnd.brreg.enhetsregisteret.rolle.v1+json")
    assert requests[f"{API}/enheter/{NORDLYS}"].headers["User-Agent"] == "orgsvc"


def test_a_removed_entity_410_is_refused(client, fake_brreg):
    fake_brreg.removed[EQUINOR] = "2024-03-09"
    found = client.lookup(EQUINOR)
    assert found.status == LookupStatus.REMOVED
    assert found.as_json() == {"orgnr": EQUINOR, "name": EQUINOR, "status": "removed"}


def test_404_then_underenheter_404_is_not_found(client, brreg_server):
    assert client.lookup(EQUINOR).status == LookupStatus.NOT_FOUND
    assert [r.path for r, _ in brreg_server.log] == [f"{API}/enheter/{EQUINOR}", f"{API}/underenheter/{EQUINOR}"]


def test_an_empty_search_has_no_embedded_list(client, brreg_server):
    assert client.search("zzzz") == []
    _request, response = brreg_server.log[-1]
    assert "_embedded" not in json.loads(response.get_data())


def test_a_slow_answer_past_the_timeout_is_unavailable(fake_brreg, brreg_server):
    def slow(_request):
        time.sleep(1.0)
        return Response("{}", content_type="application/json")

    _front(brreg_server, r"^/enhetsregisteret/api/enheter/310000027$", slow, slow)
    client = brreg_client(fake_brreg, read_timeout=0.2, retries=1)
    client._sleep = lambda _seconds: None
    started = time.perf_counter()
    with pytest.raises(RegisterUnavailable):
        client.lookup("310000027")
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize("body", ["<html>Service Unavailable</html>", "{not json", "[1, 2, 3]", ""])
def test_a_garbage_body_is_unavailable_not_a_crash(client, brreg_server, body):
    _front(brreg_server, rf"^{API}/enheter/{NORDLYS}$", Response(body, status=200, content_type="application/json"))
    with pytest.raises(RegisterUnavailable):
        client.lookup(NORDLYS)


@pytest.mark.parametrize(("path", "body", "ask"), [
    (rf"^{API}/enheter$", {"_embedded": "?"}, lambda client: client.search("nordlys")),
    (rf"^{API}/enheter$", {"_embedded": {"enheter": 7}}, lambda client: client.search("nordlys")),
    (rf"^{API}/enheter/{NORDLYS}/roller$", {"rollegrupper": 7}, lambda client: client.role_holders(NORDLYS)),
    (rf"^{API}/enheter/{NORDLYS}/roller$", {"rollegrupper": [{"roller": [{"type": "DAGL"}]}]},
     lambda client: client.role_holders(NORDLYS)),
])
def test_json_of_the_wrong_shape_is_unavailable_not_a_crash(client, brreg_server, path, body, ask):
    _front(brreg_server, path, Response(json.dumps(body), status=200, content_type="application/json"))
    with pytest.raises(RegisterUnavailable):
        ask(client)


def test_a_wrong_shaped_fullmakt_answer_leaves_the_prokura_holders_unknown(client, brreg_server):
    answer = {"signeringsGrunnlag": {"muligeSigneringsRoller": {"navn": "Per Prokurist", "rolle": "PROK"}}}
    _front(brreg_server, rf"^{FULLMAKT}/enheter/{NORDLYS}/prokura$", Response(json.dumps(answer), status=200))
    assert client.role_holders(NORDLYS).complete is False


def test_a_5xx_is_retried_with_backoff_then_succeeds(client, brreg_server):
    error = Response(json.dumps({"status": 503, "error": "Service Unavailable"}), status=503)
    _front(brreg_server, rf"^{API}/enheter/{NORDLYS}$", error)
    assert client.lookup(NORDLYS).status == LookupStatus.ACTIVE
    assert len(client.sleeps) == 1 and 0 < client.sleeps[0] < 1


def test_retry_after_is_honoured(client, brreg_server):
    _front(brreg_server, rf"^{API}/enheter/{NORDLYS}$", Response("", status=429, headers={"Retry-After": "2"}))
    assert client.lookup(NORDLYS).status == LookupStatus.ACTIVE
    assert client.sleeps == [2.0]


def test_a_retry_after_longer_than_a_person_waits_gives_up_at_once(client, brreg_server):
    _front(brreg_server, rf"^{API}/enheter/{NORDLYS}$", Response("", status=429, headers={"Retry-After": "3600"}))
    with pytest.raises(RegisterUnavailable):
        client.lookup(NORDLYS)
    assert client.sleeps == []


def test_persistent_5xx_is_unavailable(client, brreg_server):
    errors = [Response(json.dumps({"status": 500, "error": "Internal Server Error", "trace": "x"}), status=500)] * 3
    _front(brreg_server, rf"^{API}/enheter/{NORDLYS}$", *errors)
    with pytest.raises(RegisterUnavailable):
        client.lookup(NORDLYS)


def test_answers_are_cached_briefly(fake_brreg, brreg_server):
    client = brreg_client(fake_brreg, cache_seconds=60)
    client.lookup(NORDLYS)
    client.lookup(NORDLYS)
    assert len([r for r, _ in brreg_server.log if r.path == f"{API}/enheter/{NORDLYS}"]) == 1


def test_retries_stop_when_another_attempt_would_pass_the_time_budget(fake_brreg, brreg_server):
    """A person is waiting: with 0.3 s timeouts and a 0.5 s budget, a second attempt after a
    timeout could run to 0.6 s, so the client gives up after one instead of using all five retries."""
    def slow(_request):
        time.sleep(1.0)
        return Response("{}", content_type="application/json")

    _front(brreg_server, rf"^{API}/enheter/{NORDLYS}$", *[slow] * 6)
    client = brreg_client(fake_brreg, connect_timeout=0.1, read_timeout=0.3, retries=5, budget=0.5)
    with pytest.raises(RegisterUnavailable):
        client.lookup(NORDLYS)
    time.sleep(1.5)  # the server logs a request once its (slow) handler has finished
    assert len([r for r, _ in brreg_server.log if r.path == f"{API}/enheter/{NORDLYS}"]) == 1


def test_after_a_failure_questions_fail_at_once_for_a_pause_then_ask_again(fake_brreg, brreg_server):
    client = brreg_client(fake_brreg, retries=0, pause_after_failure=0.5)
    _front(brreg_server, rf"^{API}/enheter/{NORDLYS}$", Response("", status=503))
    with pytest.raises(RegisterUnavailable):
        client.lookup(NORDLYS)
    with pytest.raises(RegisterUnavailable, match="did not answer a moment ago"):
        client.role_holders(NORDLYS)
    assert [r.path for r, _ in brreg_server.log] == [f"{API}/enheter/{NORDLYS}"], "the pause asked nobody"
    time.sleep(0.6)
    assert client.lookup(NORDLYS).status == LookupStatus.ACTIVE


def test_failures_are_not_cached(client, brreg_server):
    _front(brreg_server, rf"^{API}/enheter/{NORDLYS}$", *[Response("", status=503)] * 2)
    with pytest.raises(RegisterUnavailable):
        client.lookup(NORDLYS)
    assert client.lookup(NORDLYS).status == LookupStatus.ACTIVE


def _roles_answer(*roles):
    return Response(json.dumps({"rollegrupper": [{"type": {"kode": "STYR", "beskrivelse": "Styre"},
                                                  "roller": list(roles)}]}), content_type="application/json")


def test_missing_flags_and_middle_names_are_read_correctly(client, brreg_server):
    roles = _roles_answer(
        {"type": {"kode": "LEDE", "beskrivelse": "Styrets leder"},
         "person": {"fodselsdato": "1956-11-30", "navn": {"fornavn": "Jon Erik", "etternavn": "Reinhardsen"}}},
        {"type": {"kode": "NEST", "beskrivelse": "Nestleder"}, "avregistrert": True,
         "person": {"fodselsdato": "1960-01-01", "navn": {"fornavn": "Gone", "etternavn": "Away"}, "erDoed": False}},
        {"type": {"kode": "MEDL", "beskrivelse": "Styremedlem"}, "fratraadt": False, "avregistrert": False,
         "person": {"fodselsdato": "1966-11-14", "navn": {"fornavn": "Hilde", "mellomnavn": "M.",
                                                          "etternavn": "Møllerstad"}, "erDoed": False}},
    )
    _front(brreg_server, rf"^{API}/enheter/{NORDLYS}/roller$", roles)
    holders = client.role_holders(NORDLYS)
    expected = [("LEDE", "Jon Erik Reinhardsen"), ("MEDL", "Hilde M. Møllerstad")]
    assert [(h.role_code, h.name) for h in holders] == expected


def test_an_organisation_as_role_holder_has_its_name_as_a_list(client, brreg_server):
    roles = _roles_answer({"type": {"kode": "REVI", "beskrivelse": "Revisor"}, "fratraadt": False,
                           "enhet": {"organisasjonsnummer": "976389387", "navn": ["ERNST & YOUNG", "AS"],
                                     "erSlettet": False}})
    _front(brreg_server, rf"^{API}/enheter/{NORDLYS}/roller$", roles)
    [holder] = [h for h in client.role_holders(NORDLYS) if h.kind == "entity"]
    assert (holder.name, holder.holder_orgnr) == ("ERNST & YOUNG AS", "976389387")


def test_when_fullmakt_is_down_a_prokura_check_is_pending(client, brreg_server):
    _front(brreg_server, rf"^{FULLMAKT}/enheter/310000051/prokura$", *[Response("", status=502)] * 2)
    answer = check_representative(client, "310000051", "Mona Solberg", date(1984, 9, 15))
    assert answer.outcome == Outcome.PENDING


def test_when_fullmakt_is_down_a_daglig_leder_is_still_found(client, brreg_server):
    _front(brreg_server, rf"^{FULLMAKT}/enheter/{NORDLYS}/prokura$", *[Response("", status=502)] * 2)
    answer = check_representative(client, NORDLYS, "Ola Nordmann", date(1975, 3, 14))
    assert answer.outcome == Outcome.ELIGIBLE


def test_an_unreachable_register_makes_the_check_pending(fake_brreg):
    from orgsvc.registry.brreg import BrregRegister

    client = BrregRegister("http://127.0.0.1:9/enhetsregisteret/api", "http://127.0.0.1:9/fullmakt",
                           connect_timeout=0.2, read_timeout=0.2, retries=0)
    answer = check_representative(client, NORDLYS, "Ola Nordmann", date(1975, 3, 14))
    assert answer.outcome == Outcome.PENDING
    assert answer.as_json()["eligible"] is False
