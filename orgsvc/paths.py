"""Where the service finds its templates, policies and migrations.

The repository keeps ``templates/`` and ``policies/`` at its top level (the design's layout); the wheel
carries copies inside the package. Prefer the packaged copy when present, else the checkout's.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Return the directory ``name`` (``templates`` or ``policies``) for this installation."""
    packaged = PACKAGE_DIR / name
    if packaged.is_dir():
        return packaged
    checkout = PACKAGE_DIR.parent / name
    if checkout.is_dir():
        return checkout
    raise RuntimeError(f"orgsvc is installed without its {name!r} directory")


MIGRATIONS_DIR = PACKAGE_DIR / "migrations"
TRANSLATIONS_DIR = PACKAGE_DIR / "translations"
