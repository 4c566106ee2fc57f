"""``orgsvc registry``: import the bulk files, look up, check a representative, sync, recheck."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from orgsvc.i18n import in_english
from orgsvc.registry import bulk
from orgsvc.registry.brreg import BrregRegister
from orgsvc.registry.check import check_representative
from orgsvc.registry.orgnr import InvalidOrgnr, format_orgnr
from orgsvc.registry.service import register
from orgsvc.registry.sync import SyncNeedsStart, sync
from orgsvc.registry.types import Lookup, LookupStatus, RegisterUnavailable

SAMPLE_DIR = Path(__file__).resolve().parent / "sample"
EXIT_INVALID = 2
EXIT_UNAVAILABLE = 3


@click.group("registry")
def registry_cli():
    """Enhetsregisteret: the local copy and lookups."""


@registry_cli.command("import")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sample", is_flag=True, help="Import the small fictional sample that ships with orgsvc.")
@with_appcontext
def import_command(files: tuple[Path, ...], sample: bool):
    """Import bulk files (entities, sub-units, roles; gzipped or plain JSON arrays) into the local register."""
    paths = list(files) + (sorted(SAMPLE_DIR.glob("*.json*")) if sample else [])
    if not paths:
        raise click.UsageError("give one or more FILES, or --sample")
    for path in paths:
        kind = bulk.detect_kind(path)
        with click.progressbar(length=path.stat().st_size, label=f"{path.name} ({kind})", file=sys.stderr) as bar:
            report = bulk.import_file(path, kind, on_progress=bar.update)
        click.echo(f"{path.name}: {report.records} {kind} records in {report.seconds:.1f} s "
                   f"({report.per_second:.0f}/s), {report.skipped} skipped")
    bulk.finish_import()


def _lookup_text(result: Lookup) -> str:
    entity = result.entity
    if result.status == LookupStatus.NOT_FOUND:
        return f"{format_orgnr(result.orgnr)}: not found in the register"
    lines = [f"{format_orgnr(result.orgnr)}  {entity.name}", f"status: {result.status}"]
    if entity.form_code:
        lines.append(f"form: {entity.form_code} ({entity.form_description or ''})")
    if entity.deleted_on:
        lines.append(f"deleted: {entity.deleted_on.isoformat()}")
    if entity.postal_place:
        lines.append(f"place: {entity.postal_place}")
    if result.status == LookupStatus.SUBUNIT:
        main = f"{format_orgnr(entity.parent_orgnr)}" if entity.parent_orgnr else "unknown"
        if result.main:
            main += f" {result.main.name}"
        lines.append(f"sub-unit of: {main} (register the main entity)")
    return "\n".join(lines)


@registry_cli.command("lookup")
@click.argument("orgnr")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@with_appcontext
def lookup_command(orgnr: str, as_json: bool):
    """Print what the register says about ORGNR."""
    try:
        result = register().lookup(orgnr)
    except InvalidOrgnr as error:
        _refuse(as_json, {"orgnr": orgnr, "name": None, "status": str(LookupStatus.INVALID)},
                in_english(error.message), EXIT_INVALID)
    except RegisterUnavailable as error:
        _refuse(as_json, {"orgnr": orgnr, "name": None, "status": str(LookupStatus.UNAVAILABLE)},
                f"the register cannot answer now: {error}", EXIT_UNAVAILABLE)
    click.echo(json.dumps(result.as_json(), ensure_ascii=False) if as_json else _lookup_text(result))


def _refuse(as_json: bool, payload: dict, message: str, code: int):
    if as_json:
        click.echo(json.dumps(payload, ensure_ascii=False))
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


@registry_cli.command("check")
@click.argument("orgnr")
@click.option("--name", required=True, help="The person's full name.")
@click.option("--born", required=True, type=click.DateTime(formats=["%Y-%m-%d"]), help="Date of birth, YYYY-MM-DD.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@with_appcontext
def check_command(orgnr: str, name: str, born, as_json: bool):
    """May NAME, born BORN, register ORGNR (daglig leder, styreleder, nestleder or prokura)?"""
    try:
        answer = check_representative(register(), orgnr, name, date(born.year, born.month, born.day))
    except InvalidOrgnr as error:
        click.echo(f"Error: {in_english(error.message)}", err=True)
        sys.exit(EXIT_INVALID)
    if as_json:
        click.echo(json.dumps(answer.as_json(), ensure_ascii=False))
    else:
        verdict = {"eligible": "ELIGIBLE", "not_eligible": "NOT ELIGIBLE", "pending": "UNKNOWN"}[answer.outcome]
        click.echo(f"{verdict}: {answer.reason_text}")
        if answer.register_name:
            click.echo(f"register name: {answer.register_name}")
        click.echo(f"checked at: {answer.checked_at.isoformat()}")
    if answer.outcome == "pending":
        click.echo("Error: the register cannot answer now; try again later", err=True)
        sys.exit(EXIT_UNAVAILABLE)


@registry_cli.command("search")
@click.argument("query")
@click.option("--limit", default=10, show_default=True)
@with_appcontext
def search_command(query: str, limit: int):
    """Search the register by name or org number (as «Velg organisasjon» does)."""
    try:
        hits = register().search(query, limit)
    except RegisterUnavailable as error:
        click.echo(f"Error: the register cannot answer now: {error}", err=True)
        sys.exit(EXIT_UNAVAILABLE)
    for entity in hits:
        click.echo(f"{format_orgnr(entity.orgnr)}  {entity.name}  {entity.postal_place or ''}".rstrip())


@registry_cli.command("sync")
@click.option("--since", type=click.DateTime(), help="Start of the first sync: when the imported bulk files were made.")
@with_appcontext
def sync_command(since):
    """Apply Enhetsregisteret's change feeds to the local register (run it from cron)."""
    config = current_app.config
    client = BrregRegister(config["ORGSVC_BRREG_URL"], config["ORGSVC_FULLMAKT_URL"],
                           read_timeout=config["ORGSVC_BRREG_TIMEOUT"], retries=config["ORGSVC_BRREG_RETRIES"],
                           cache_seconds=0.001, user_agent=f"orgsvc/0.1 (+{config['ORGSVC_BASE_URL']})")
    moment = since.replace(tzinfo=UTC) if since and since.tzinfo is None else since
    try:
        report = sync(client, moment)
    except SyncNeedsStart as error:
        message = f"the first sync of {error} needs --since (when the bulk files were made)"
        raise click.ClickException(message) from error
    except RegisterUnavailable as error:
        click.echo(f"Error: the register cannot answer now ({error}); the next run continues", err=True)
        sys.exit(EXIT_UNAVAILABLE)
    for feed, count in report.changed.items():
        click.echo(f"{feed}: {count} changes applied")


@registry_cli.command("recheck")
@with_appcontext
def recheck_command():
    """Retry the register checks that were pending because the register could not answer."""
    from orgsvc.approvals.services import recheck_pending

    counts = recheck_pending()
    click.echo(", ".join(f"{outcome}: {count}" for outcome, count in counts.items()))
    if counts["pending"]:
        click.echo("Error: the register still cannot answer for some requests; run again later", err=True)
        sys.exit(EXIT_UNAVAILABLE)
