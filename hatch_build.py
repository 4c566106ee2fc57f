"""Hatch build hook: compile the gettext catalogues (.po -> .mo) into every build.

The .po files are the source; the binary .mo files are never committed. Editable installs run
this hook too, so a checkout gets compiled catalogues next to their sources.
"""

from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def compile_catalogues(root: Path) -> list[Path]:
    """Compile every orgsvc/translations/*/LC_MESSAGES/*.po and return the .mo paths."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po_path in sorted((root / "orgsvc" / "translations").glob("*/LC_MESSAGES/*.po")):
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parts[-3])
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        written.append(mo_path)
    return written


class CatalogueBuildHook(BuildHookInterface):
    """Runs before hatchling collects the files of a wheel (regular or editable)."""

    def initialize(self, version, build_data):
        root = Path(self.root)
        for mo_path in compile_catalogues(root):
            build_data["force_include"][str(mo_path)] = str(mo_path.relative_to(root))
