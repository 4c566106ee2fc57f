"""A local stand-in for data.brreg.no: a real HTTP server answering in the exact JSON shapes of
shared/reference/brreg.md, built from the same records as the sample bulk files.

The open API's /roller does not reliably list prokura, so the stand-in serves prokura the way the
fullmakt service does (dates DD.MM.YYYY, names as one string) and leaves it out of /roller.
"""

from __future__ import annotations

import copy
import json
import re
import time
from datetime import datetime

from werkzeug import Request, Response

from orgsvc.registry.cli import SAMPLE_DIR

API = "/enhetsregisteret/api"
FULLMAKT = "/fullmakt"
PROKURA_GROUP = "PROK"

# The ways the register fails to answer, as the stand-in can act them out (``FakeBrreg.outage``):
# too slowly (past any read timeout a test sets), with a 5xx, with a body that is not JSON, or with
# JSON of the wrong shape for every path.
OUTAGES = ("slow", "5xx", "garbage", "wrong_shape")
SLOW_SECONDS = 1.0
WRONG_SHAPE = {"organisasjonsnummer": 310000019, "navn": ["?"], "_embedded": "?", "rollegrupper": 7}


def load_sample() -> tuple[dict, dict, dict]:
    def read(name):
        return json.loads((SAMPLE_DIR / name).read_text(encoding="utf-8"))

    entities = {item["organisasjonsnummer"]: item for item in read("enheter.json")}
    subunits = {item["organisasjonsnummer"]: item for item in read("underenheter.json")}
    roles = {item["organisasjonsnummer"]: item["rollegrupper"] for item in read("roller.json")}
    return entities, subunits, roles


def _json(data, status=200, content_type="application/json") -> Response:
    return Response(json.dumps(data, ensure_ascii=False), status=status, content_type=content_type)


def _dotted(iso: str) -> str:
    return datetime.strptime(iso, "%Y-%m-%d").strftime("%d.%m.%Y")


class FakeBrreg:
    """Install on a pytest-httpserver; ``removed`` org numbers answer 410, as legally removed ones do,
    and every path fails the same way while ``outage`` names one of ``OUTAGES``."""

    def __init__(self, server):
        self.server = server
        self.entities, self.subunits, self.roles = load_sample()
        self.removed: dict[str, str] = {}
        self.outage: str | None = None

    @property
    def api_url(self) -> str:
        return self.server.url_for(API)

    @property
    def fullmakt_url(self) -> str:
        return self.server.url_for(FULLMAKT)

    def install(self) -> FakeBrreg:
        routes = [
            (re.compile(rf"^{API}/enheter/\d+/roller$"), self.roller),
            (re.compile(rf"^{API}/enheter/\d+$"), self.enhet),
            (re.compile(rf"^{API}/underenheter/\d+$"), self.underenhet),
            (f"{API}/enheter", self.search),
            (re.compile(rf"^{FULLMAKT}/enheter/\d+/prokura$"), self.prokura),
        ]
        for path, handler in routes:
            self.server.expect_request(path).respond_with_handler(self._unless_down(handler))
        return self

    def _unless_down(self, handler):
        def answer(request: Request) -> Response:
            if self.outage == "slow":
                time.sleep(SLOW_SECONDS)
            elif self.outage == "5xx":
                return _json({"status": 503, "error": "Service Unavailable", "path": request.path}, 503)
            elif self.outage == "garbage":
                return Response("<html><body>Bad Gateway", status=200, content_type="application/json")
            elif self.outage == "wrong_shape":
                return _json(WRONG_SHAPE)
            return handler(request)

        return answer

    @staticmethod
    def _orgnr(request: Request) -> str:
        return re.findall(r"\d{9}", request.path)[0]

    def enhet(self, request: Request) -> Response:
        orgnr = self._orgnr(request)
        if orgnr in self.removed:
            return _json({"organisasjonsnummer": orgnr, "slettedato": self.removed[orgnr],
                          "_links": {"self": {"href": f"{API}/enheter/{orgnr}"}}}, 410)
        if orgnr in self.entities:
            return _json(self.entities[orgnr])
        return _json({"timestamp": "2026-01-01T00:00:00.000+0000", "status": 404, "error": "Not Found",
                      "message": "Ingen enhet med organisasjonsnummer " + orgnr + " ble funnet",
                      "path": request.path}, 404)

    def underenhet(self, request: Request) -> Response:
        orgnr = self._orgnr(request)
        if orgnr in self.subunits:
            return _json(self.subunits[orgnr])
        return _json({"status": 404, "error": "Not Found", "path": request.path}, 404)

    def roller(self, request: Request) -> Response:
        orgnr = self._orgnr(request)
        if orgnr not in self.entities:
            return _json({"status": 404, "error": "Not Found", "path": request.path}, 404)
        groups = [g for g in self.roles.get(orgnr, []) if g["type"]["kode"] != PROKURA_GROUP]
        return _json({"rollegrupper": groups, "_links": {"self": {"href": f"{API}/enheter/{orgnr}/roller"}}})

    def prokura(self, request: Request) -> Response:
        orgnr = self._orgnr(request)
        groups = self.roles.get(orgnr, [])
        holders = [role for g in groups if g["type"]["kode"] == PROKURA_GROUP for role in g["roller"]]
        people = [{"fodselsdato": _dotted(role["person"]["fodselsdato"]),
                   "navn": " ".join(filter(None, (role["person"]["navn"].get("fornavn"),
                                                  role["person"]["navn"].get("mellomnavn"),
                                                  role["person"]["navn"].get("etternavn")))),
                   "rolle": {"kode": role["type"]["kode"], "tekstforklaring": role["type"]["beskrivelse"]}}
                  for role in holders]
        if not people:
            return _json({"status": {"rutineStatus": {"kode": "OK"}},
                          "signeringsGrunnlag": {"kode": "SI", "tekstforklaring": "Signeringsgrunnlag ikke funnet"}})
        return _json({
            "oppslagsData": {"oppslagsTidspunkt": "2026-07-13T07:17:49", "oppslagsIdent": "4838851"},
            "status": {"rutineStatus": {"kode": "OK", "tekstforklaring": "Maskinelt oppslag utført uten feil."}},
            "enhet": {"organisasjonsnummer": orgnr, "navn": self.entities[orgnr]["navn"]},
            "signeringsGrunnlag": {"kode": "SF", "tekstforklaring": "Prokura finnes",
                                   "muligeSigneringsRoller": {"personRolleGrunnlag": people}},
            "_links": {"self": {"href": f"{FULLMAKT}/enheter/{orgnr}/prokura"}},
        })

    def search(self, request: Request) -> Response:
        query = (request.args.get("navn") or "").casefold().split()
        size = int(request.args.get("size", 20))
        hits = [copy.deepcopy(e) for e in self.entities.values()
                if "slettedato" not in e and all(
                    any(word.startswith(term) for word in re.findall(r"[^\W_]+", e["navn"].casefold()))
                    for term in query)]
        page = {"size": size, "totalElements": len(hits), "totalPages": 1 if hits else 0, "number": 0}
        links = {"self": {"href": request.url}}
        if not hits:
            return _json({"_links": links, "page": page})  # no _embedded at all, as the API does
        return _json({"_embedded": {"enheter": hits[:size]}, "_links": links, "page": page})
