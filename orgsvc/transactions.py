"""Units of work: services own their transaction, commit once, and roll back on any error."""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from orgsvc.extensions import db

P = ParamSpec("P")
R = TypeVar("R")

_depth: contextvars.ContextVar[int] = contextvars.ContextVar("orgsvc_uow_depth", default=0)


def transactional(function: Callable[P, R]) -> Callable[P, R]:
    """Run ``function`` as one transaction: commit on return, roll back on any exception.

    Nested calls (a service using another) join the outermost unit of work, so a state change and
    everything it causes - audit rows, inbox messages, e-mails in the outbox - commit together.
    """

    @functools.wraps(function)
    def unit_of_work(*args: P.args, **kwargs: P.kwargs) -> R:
        depth = _depth.get()
        token = _depth.set(depth + 1)
        try:
            result = function(*args, **kwargs)
            if depth == 0:
                db.session.commit()
            return result
        except BaseException:
            if depth == 0:
                db.session.rollback()
            raise
        finally:
            _depth.reset(token)

    return unit_of_work


def in_transaction() -> bool:
    """True while a ``transactional`` service is running."""
    return _depth.get() > 0
