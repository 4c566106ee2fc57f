"""Password hashing (Argon2id) and the rules a new password must meet."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 256  # Argon2 has no truncation; the cap only bounds the work per attempt.


class Passwords:
    """Hash and verify passwords; an unknown account costs as much as a known one."""

    def __init__(self, time_cost: int, memory_cost: int, parallelism: int):
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
        # Verified against when there is no account, so response time does not reveal accounts.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash or self._dummy_hash, password) and stored_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)


def passwords() -> Passwords:
    return current_app.extensions["orgsvc.passwords"]


def password_problem(password: str, *, email: str = "", full_name: str = ""):
    """Why ``password`` is not acceptable, or None. Length matters; composition rules do not."""
    if len(password) < MIN_LENGTH:
        return _l("The password must be at least %(count)d characters long.", count=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("The password can be at most %(count)d characters long.", count=MAX_LENGTH)
    lowered = password.casefold()
    if len(set(lowered)) < 5:
        return _l("The password is too easy to guess. Use more different characters.")
    local_part = email.split("@", 1)[0].casefold()
    if (email and lowered == email.casefold()) or (len(local_part) >= 4 and local_part in lowered):
        return _l("The password must not contain your e-mail address.")
    if full_name and lowered.replace(" ", "") == full_name.casefold().replace(" ", ""):
        return _l("The password must not be your name.")
    return None
