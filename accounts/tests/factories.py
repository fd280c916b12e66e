"""Factories of members. Factories build rows directly; tests that exercise the rules call the
services (as pages and API do)."""

import factory

from accounts.models import Member

PASSWORD = "tiwizi-test-Pa55"


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        skip_postgeneration_save = True

    handle = factory.Sequence(lambda n: f"twitto_{n}")
    email = factory.LazyAttribute(lambda member: f"{member.handle.lower()}@private.example")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()
