"""Importing the register's bulk files: kinds, re-import in place, bad records, flat memory."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import uuid

import sqlalchemy as sa

from bench.register_data import org_numbers, write_bulk_files
from orgsvc.extensions import db
from orgsvc.registry.bulk import detect_kind, import_file
from orgsvc.registry.cli import SAMPLE_DIR
from orgsvc.registry.local import LocalRegister
from orgsvc.registry.models import RegisterEntity, RegisterNameWord, RegisterRole
from orgsvc.registry.types import Proceeding
from tests.support import postgres_url


def _write(path, records, compress=True):
    data = json.dumps(records, ensure_ascii=False).encode()
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def _entity(orgnr, name, **extra):
    form = {"kode": "AS", "beskrivelse": "Aksjeselskap"}
    return {"organisasjonsnummer": orgnr, "navn": name, "organisasjonsform": form, **extra}


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_kind_of_file_is_read_from_its_first_record():
    assert detect_kind(SAMPLE_DIR / "enheter.json") == "entities"
    assert detect_kind(SAMPLE_DIR / "underenheter.json") == "subunits"
    assert detect_kind(SAMPLE_DIR / "roller.json") == "roles"


def test_gzipped_and_plain_files_are_both_read(app_ctx, tmp_path):
    import_file(_write(tmp_path / "a.json.gz", [_entity("923609016", "EQUINOR ASA")]))
    import_file(_write(tmp_path / "b.json", [_entity("974760673", "REGISTERENHETEN I BRØNNØYSUND")], compress=False))
    assert _count(RegisterEntity) == 2
    assert [e.name for e in LocalRegister().search("brønnøysund")] == ["REGISTERENHETEN I BRØNNØYSUND"]


def test_progress_is_reported_as_the_file_is_read(app_ctx, tmp_path):
    """The progress bar of ``orgsvc registry import`` is fed in steps while the file is read,
    adding up to the file's size on disk (the gzipped bytes, which is what the bar's length is)."""
    numbers = org_numbers()
    path = _write(tmp_path / "many.json.gz", [_entity(next(numbers), f"FIRMA {n} AS") for n in range(20_000)])
    steps: list[int] = []
    import_file(path, on_progress=steps.append, batch_size=5_000)
    assert len(steps) > 1 and all(step >= 0 for step in steps)
    assert sum(steps) == path.stat().st_size


def test_a_reimport_updates_in_place(app_ctx, tmp_path):
    import_file(_write(tmp_path / "v1.json.gz", [_entity("923609016", "STATOIL ASA")]))
    import_file(_write(tmp_path / "v2.json.gz", [_entity("923609016", "EQUINOR ASA")]))
    assert _count(RegisterEntity) == 1
    register = LocalRegister()
    assert [e.name for e in register.search("equinor")] == ["EQUINOR ASA"]
    assert register.search("statoil") == [], "the old name's words are gone"


def test_the_proceedings_are_kept_and_follow_a_reimport(app_ctx, tmp_path):
    flags = {"konkurs": False, "underAvvikling": True, "underTvangsavviklingEllerTvangsopplosning": True}
    import_file(_write(tmp_path / "v1.json.gz", [_entity("923609016", "EQUINOR ASA", konkurs=True),
                                                 _entity("974760673", "REGISTERENHETEN", konkurs=False)]))
    register = LocalRegister()
    assert register.lookup("923609016").entity.proceedings == (Proceeding.BANKRUPTCY,)
    assert register.lookup("974760673").entity.proceedings == ()
    import_file(_write(tmp_path / "v2.json.gz", [_entity("923609016", "EQUINOR ASA", **flags)]))
    assert register.lookup("923609016").entity.proceedings == (Proceeding.WINDING_UP,
                                                               Proceeding.COMPULSORY_DISSOLUTION)
    import_file(_write(tmp_path / "v3.json.gz", [_entity("923609016", "EQUINOR ASA")]))
    assert register.lookup("923609016").entity.proceedings == ()


def test_an_entity_deleted_in_a_later_file_leaves_search(app_ctx, tmp_path):
    import_file(_write(tmp_path / "v1.json", [_entity("923609016", "EQUINOR ASA")]))
    import_file(_write(tmp_path / "v2.json", [_entity("923609016", "EQUINOR ASA", slettedato="2026-01-01")]))
    assert LocalRegister().search("equinor") == []
    assert LocalRegister().lookup("923609016").status == "deleted"


def test_a_file_naming_an_entity_twice_keeps_its_last_record(app_ctx, tmp_path):
    """A first import inserts without merging; an entity named again (in the same batch or a later
    one) turns it into a merge, and the file's last record of it wins, as in a re-import."""
    records = [_entity("923609016", "STATOIL ASA"), _entity("923609016", "STATOIL PETROLEUM ASA"),
               _entity("974760673", "REGISTERENHETEN"), _entity("986105174", "NORDLYS FJELLSPORT AS"),
               _entity("923609016", "EQUINOR ASA")]
    report = import_file(_write(tmp_path / "twice.json", records), batch_size=2)
    assert report.records == 5
    assert _count(RegisterEntity) == 3
    register = LocalRegister()
    assert [e.name for e in register.search("equinor")] == ["EQUINOR ASA"]
    assert register.search("statoil") == []
    assert [e.name for e in register.search("fjellsport")] == ["NORDLYS FJELLSPORT AS"]
    assert db.session.scalar(sa.select(sa.func.count(sa.distinct(RegisterNameWord.orgnr)))) == 3


def test_odd_characters_in_a_file_are_stored_as_written(app_ctx, tmp_path):
    """Rows go to PostgreSQL as COPY text: a backslash or tab from the file is data, not syntax.
    (An org number is nine digits or the record is skipped, so only names can carry them.)"""
    report = import_file(_write(tmp_path / "odd.json", [_entity("923609016", "BACK\\SLASH\tTAB AS"),
                                                         _entity("12\\3\t45", "ODD NUMBER AS")]))
    assert (report.records, report.skipped) == (1, 1)
    found = LocalRegister().search("slash")
    assert [(e.orgnr, e.name) for e in found] == [("923609016", "BACK\\SLASH\tTAB AS")]


def test_roles_are_replaced_on_reimport(app_ctx, tmp_path):
    person = {"type": {"kode": "DAGL", "beskrivelse": "Daglig leder"},
              "person": {"fodselsdato": "1968-05-04", "navn": {"fornavn": "Anders", "etternavn": "Opedal"}}}
    record = {"organisasjonsnummer": "923609016", "rollegrupper": [{"type": {"kode": "DAGL"}, "roller": [person]}]}
    import_file(_write(tmp_path / "r1.json", [record]))
    import_file(_write(tmp_path / "r2.json", [record]))
    assert _count(RegisterRole) == 1


def test_records_without_an_org_number_are_skipped_and_counted(app_ctx, tmp_path):
    report = import_file(_write(tmp_path / "e.json", [_entity("923609016", "EQUINOR ASA"), {"navn": "NO NUMBER"},
                                                       "not an object"]))
    assert (report.records, report.skipped) == (1, 2)


def test_an_entity_the_register_cannot_hold_is_skipped_and_the_rest_imports(app_ctx, tmp_path):
    """An invalid org number or an over-long code skips the record (counted); an over-long text is cut
    to its column. On PostgreSQL any of these used to abort the whole import."""
    long_form = {"kode": "ABCDEFGHIJKLMNOP", "beskrivelse": "x"}
    records = [
        _entity("310000019", "NORDLYS AS", forretningsadresse={"poststed": "P" * 150, "kommune": "K" * 150},
                organisasjonsform={"kode": "AS", "beskrivelse": "B" * 300}),
        _entity("3100000190000", "THIRTEEN DIGITS AS"),
        _entity("310000018", "WRONG CHECK DIGIT AS"),
        _entity("923609016", "LONG FORM CODE AS", organisasjonsform=long_form),
        _entity("974 760 673", "NUL\x00 AS"),
    ]
    report = import_file(_write(tmp_path / "e.json", records), "entities")
    assert (report.records, report.skipped) == (2, 3)
    kept = {e.orgnr: e for e in db.session.scalars(sa.select(RegisterEntity))}
    assert set(kept) == {"310000019", "974760673"}
    nordlys = kept["310000019"]
    assert (nordlys.postal_place, nordlys.municipality) == ("P" * 100, "K" * 100)
    assert nordlys.form_description == "B" * 200
    assert kept["974760673"].name == "NUL AS"


def test_a_sub_unit_with_an_invalid_main_entity_is_skipped(app_ctx, tmp_path):
    numbers = org_numbers()
    good, bad = next(numbers), next(numbers)
    records = [{"organisasjonsnummer": good, "navn": "AVD A", "overordnetEnhet": "923609016"},
               {"organisasjonsnummer": bad, "navn": "AVD B", "overordnetEnhet": "92360901600"}]
    report = import_file(_write(tmp_path / "u.json", records), "subunits")
    assert (report.records, report.skipped) == (1, 1)
    assert db.session.scalars(sa.select(RegisterEntity.parent_orgnr)).all() == ["923609016"]


def test_a_roles_record_the_register_cannot_hold_is_skipped_and_the_rest_imports(app_ctx, tmp_path):
    person = {"type": {"kode": "DAGL", "beskrivelse": "Daglig leder"},
              "person": {"fodselsdato": "1968-05-04", "navn": {"fornavn": "A" * 300, "etternavn": "Opedal"}}}
    auditor = {"type": {"kode": "REVI", "beskrivelse": "Revisor"},
               "enhet": {"organisasjonsnummer": "12345678901234", "navn": ["REVISJON AS"]}}
    odd_role = {"type": {"kode": "ABCDEFGHIJKLMNOP"}, "person": {"navn": {"fornavn": "Kari", "etternavn": "Nordmann"}}}
    records = [
        {"organisasjonsnummer": "923609016", "rollegrupper": [{"roller": [person, auditor, odd_role]}]},
        {"organisasjonsnummer": "9236090160000", "rollegrupper": [{"roller": [person]}]},
        {"organisasjonsnummer": "974760673", "rollegrupper": [{"roller": [{"type": "DAGL"}]}]},
    ]
    report = import_file(_write(tmp_path / "r.json", records), "roles")
    assert (report.records, report.skipped) == (1, 2)
    rows = db.session.execute(sa.select(RegisterRole.orgnr, RegisterRole.role_code, RegisterRole.first_name,
                                        RegisterRole.holder_orgnr).order_by(RegisterRole.role_code)).all()
    assert rows == [("923609016", "DAGL", "A" * 200, None), ("923609016", "REVI", None, None)]


def test_only_live_main_entities_are_in_the_search_index(app_ctx):
    for path in sorted(SAMPLE_DIR.glob("*.json")):
        import_file(path)
    indexed = set(db.session.scalars(sa.select(RegisterNameWord.orgnr).distinct()))
    live = set(db.session.scalars(sa.select(RegisterEntity.orgnr).where(
        RegisterEntity.status == "active", RegisterEntity.is_subunit.is_(False))))
    assert indexed == live


# The peak is the process's own VmHWM: Linux carries ru_maxrss over from the parent across fork
# and exec, so a test worker grown large would otherwise be measured instead of the import.
IMPORT_IN_A_FRESH_PROCESS = """
import json, pathlib, re, secrets, sys
import flask_migrate
from orgsvc import create_app
from orgsvc.registry.bulk import import_file
def peak_kb():
    return int(re.search(r"VmHWM:\\s+(\\d+) kB", pathlib.Path("/proc/self/status").read_text()).group(1))
url, instance, *paths = sys.argv[1:]
app = create_app({"SECRET_KEY": secrets.token_hex(32), "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": instance})
with app.app_context():
    flask_migrate.upgrade()
    before = peak_kb()
    records = [import_file(pathlib.Path(p)).records for p in paths]
    print(json.dumps({"records": records, "before_kb": before, "peak_kb": peak_kb()}))
"""


def _import_in_fresh_process(database, tmp_path, count: int) -> dict:
    """Import ``count`` generated entities and their roles into an empty database in a new process,
    and report its peak resident memory (the whole process: parser, driver and database included)."""
    directory = tmp_path / str(count)
    directory.mkdir()
    paths = write_bulk_files(directory, count)
    if database.backend == "postgresql":
        schema = f"bulk_{uuid.uuid4().hex[:12]}"
        with database.engine.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = postgres_url(schema)
    else:
        url = f"sqlite:///{directory / 'import.sqlite3'}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORGSVC_")}
    try:
        command = [sys.executable, "-c", IMPORT_IN_A_FRESH_PROCESS, url, str(directory), *map(str, paths)]
        result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    finally:
        if database.backend == "postgresql":
            with database.engine.begin() as connection:
                connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_import_of_200_000_entities_keeps_memory_flat(database, tmp_path):
    small = _import_in_fresh_process(database, tmp_path, 20_000)
    large = _import_in_fresh_process(database, tmp_path, 200_000)
    assert large["records"] == [200_000, 200_000]
    growth_small = small["peak_kb"] - small["before_kb"]
    growth_large = large["peak_kb"] - large["before_kb"]
    # Ten times the data, (nearly) the same memory: the import streams. Loading the files whole
    # would need several hundred MB more for 200,000 entities and their roles.
    assert growth_large < growth_small + 24 * 1024, (growth_small, growth_large)
    assert large["peak_kb"] < 300 * 1024, large
