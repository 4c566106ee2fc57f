"""The ``orgsvc`` console command: Flask's CLI with this application preset.

Every operator command hangs off it: ``orgsvc db upgrade``, ``orgsvc staff add``, ``orgsvc demo``,
``orgsvc mail deliver``, ``orgsvc run`` and the commands later packages add.
"""

from __future__ import annotations

from flask.cli import FlaskGroup

from orgsvc import create_app


def main() -> None:
    cli = FlaskGroup(create_app=create_app, load_dotenv=False, help=__doc__)
    cli.main(prog_name="orgsvc")
