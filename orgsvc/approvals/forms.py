"""The regulator's decision forms."""

from orgsvc.roles.forms import RejectForm

__all__ = ["RejectForm"]
