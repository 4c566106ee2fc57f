"""Imports every model module, so the metadata (and Alembic's autogenerate) sees all tables."""

from orgsvc.accounts import models as accounts_models
from orgsvc.api import models as api_models
from orgsvc.approvals import models as approvals_models
from orgsvc.audit import models as audit_models
from orgsvc.cases import models as cases_models
from orgsvc.inbox import models as inbox_models
from orgsvc.mail import models as mail_models
from orgsvc.notify import models as notify_models
from orgsvc.organisations import models as organisations_models
from orgsvc.registry import models as registry_models
from orgsvc.roles import models as roles_models
from orgsvc.staff import models as staff_models

__all__ = [
    "accounts_models",
    "api_models",
    "approvals_models",
    "audit_models",
    "cases_models",
    "inbox_models",
    "mail_models",
    "notify_models",
    "organisations_models",
    "registry_models",
    "roles_models",
    "staff_models",
]
