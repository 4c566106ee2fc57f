"""factory_boy factories for test data (committed through the application's session)."""

from __future__ import annotations

import itertools
from datetime import date

import factory
from factory.alchemy import SQLAlchemyModelFactory

from orgsvc.accounts.models import Person
from orgsvc.accounts.passwords import passwords
from orgsvc.db import utcnow
from orgsvc.extensions import db
from orgsvc.organisations.models import Organisation, OrganisationStatus
from orgsvc.registry.orgnr import check_digit
from orgsvc.roles.models import MemberRole, Membership, MembershipStatus
from orgsvc.staff.models import StaffMember, StaffRole
from tests.support import DEFAULT_PASSWORD


def _valid_orgnrs():
    for stem in itertools.count(91000000):
        digit = check_digit(str(stem))
        if digit is not None:
            yield f"{stem}{digit}"


_orgnrs = _valid_orgnrs()


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class PersonFactory(BaseFactory):
    class Meta:
        model = Person

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    email_key = factory.LazyAttribute(lambda person: person.email.casefold())
    full_name = factory.Sequence(lambda n: f"Test Person {n}")
    date_of_birth = date(1980, 1, 1)
    password_hash = factory.LazyFunction(lambda: passwords().hash(DEFAULT_PASSWORD))
    locale = "nb"
    is_active_account = True


class StaffFactory(PersonFactory):
    date_of_birth = None
    staff_role = factory.LazyAttribute(lambda _: StaffMember(role=StaffRole.CASEWORKER))

    class Params:
        regulator_admin = factory.Trait(
            staff_role=factory.LazyAttribute(lambda _: StaffMember(role=StaffRole.REGULATOR_ADMIN))
        )


class OrganisationFactory(BaseFactory):
    class Meta:
        model = Organisation

    orgnr = factory.LazyFunction(lambda: next(_orgnrs))
    name = factory.Sequence(lambda n: f"TESTBEDRIFT {n} AS")
    form = "AS"
    status = OrganisationStatus.APPROVED
    register_checked_at = factory.LazyFunction(utcnow)


class MembershipFactory(BaseFactory):
    class Meta:
        model = Membership

    person = factory.SubFactory(PersonFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = MemberRole.USER
    status = MembershipStatus.ACTIVE
    # A membership that is active was approved (or, for the first administrator, confirmed) once.
    decided_at = factory.LazyAttribute(lambda m: utcnow() if m.status == MembershipStatus.ACTIVE else None)
