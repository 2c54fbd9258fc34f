"""factory_boy factories that build through the real services where a service exists."""

from __future__ import annotations

import itertools

import factory

from taolun.accounts.models import User
from taolun.orgs import services as org_services
from taolun.orgs.models import Person, Unit

_codes = itertools.count(1)


def make_unit(name: str, *, parent: Unit | None = None, kind: str = "unit", code: str | None = None, tags=()) -> Unit:
    return org_services.unit_create(
        name=name, code=code or f"U{next(_codes):05d}", kind=kind, parent=parent, tags=tags, by=None
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "pass-Word-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"人员{n}")
    code = factory.Sequence(lambda n: f"P{n:06d}")
    position = "科员"
    is_cadre = True
