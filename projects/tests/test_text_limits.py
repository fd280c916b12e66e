"""Every text has a maximum length (projects/limits.py and each app's limits.py): in the model, the
form, the serializer. A story of 20 000 characters is accepted on the page, one more is refused
with a translated form error and nothing saved. The API's side: api/tests/test_api_limits.py."""

import pytest
from django import forms
from django.apps import apps
from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse

from accounts.tests.factories import MemberFactory
from projects.limits import STORY_MAX, TRANSITION_NOTE_MAX
from projects.models import Project, ProjectTransition
from projects.tests.factories import CommunityFactory, ProjectFactory

# Ours; accounts' models are bounded by their own app (a handle, a token's name).
OUR_APPS = ("accounts", "projects", "donations", "payments", "receipts", "publishing", "moderation")


def proposal(community, **overrides):
    return {
        "community": community.slug,
        "title": "Classe de Tighzit",
        "story": "Nous construisons **une classe**.",
        "country": "MA",
        "category": "education",
        "currency": "MAD",
        **overrides,
    }


def test_every_text_field_of_every_model_has_a_maximum_length():
    unbounded = []
    for app in OUR_APPS:
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.get_fields():
                if not isinstance(field, (models.CharField, models.TextField)):
                    continue
                enforced = isinstance(field, models.CharField) or any(
                    isinstance(validator, MaxLengthValidator) for validator in field.validators
                )
                if not field.max_length or not enforced:
                    unbounded.append(f"{model.__name__}.{field.name}")
    assert unbounded == []


def test_every_text_input_of_every_form_has_a_maximum_length():
    from accounts import forms as account_forms
    from donations import forms as donation_forms
    from moderation import forms as moderation_forms
    from pages import forms as page_forms
    from payments import forms as payment_forms
    from projects import forms as project_forms
    from publishing import forms as publishing_forms
    from receipts import forms as receipt_forms

    unbounded = []
    for module in (
        account_forms,
        donation_forms,
        moderation_forms,
        page_forms,
        payment_forms,
        project_forms,
        publishing_forms,
        receipt_forms,
    ):
        for name in dir(module):
            form = getattr(module, name)
            if not (isinstance(form, type) and issubclass(form, forms.BaseForm)) or form.__module__ != module.__name__:
                continue
            for field_name, field in form.base_fields.items():
                # Passwords are hashed, not stored or shown; Django's own forms bound the rest.
                is_text = type(field) is forms.CharField and not isinstance(field.widget, forms.PasswordInput)
                if is_text and field.max_length is None:
                    unbounded.append(f"{form.__name__}.{field_name}")
    assert unbounded == []


@pytest.mark.django_db
def test_a_story_of_20_001_characters_is_refused_on_the_proposal_page_and_nothing_is_saved(client, login):
    community = CommunityFactory()
    login(MemberFactory())

    response = client.post(
        reverse("projects:create"), proposal(community, story="a" * (STORY_MAX + 1)), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    assert response.context["form"].errors["story"] == [
        "Ensure this value has at most 20000 characters (it has 20001)."
    ]
    assert not Project.objects.exists()


@pytest.mark.django_db
def test_the_refusal_is_in_french_by_default(client, login):
    community = CommunityFactory()
    login(MemberFactory())

    response = client.post(reverse("projects:create"), proposal(community, story="a" * (STORY_MAX + 1)))

    assert "au plus 20000 caractères" in response.context["form"].errors["story"][0]


@pytest.mark.django_db
def test_a_story_of_20_000_characters_is_accepted_on_the_proposal_page(client, login):
    community = CommunityFactory()
    login(MemberFactory())

    response = client.post(reverse("projects:create"), proposal(community, story="a" * STORY_MAX))

    assert response.status_code == 302
    assert len(Project.objects.get().story) == STORY_MAX


@pytest.mark.django_db
def test_a_story_of_20_001_characters_is_refused_on_the_edit_page_and_the_story_stays(client, login):
    project = ProjectFactory(story="Nous construisons **une classe**.")
    login(project.created_by)
    data = proposal(project.community, story="a" * (STORY_MAX + 1))
    del data["community"]

    response = client.post(reverse("projects:edit", kwargs={"slug": project.slug}), data)

    assert response.status_code == 200
    assert "story" in response.context["form"].errors
    project.refresh_from_db()
    assert project.story == "Nous construisons **une classe**."


@pytest.mark.django_db
def test_the_story_field_tells_the_browser_its_maximum(client, login):
    login(MemberFactory())

    response = client.get(reverse("projects:create"))

    assert f'maxlength="{STORY_MAX}"' in response.content.decode()


@pytest.mark.django_db
def test_a_cancellation_reason_longer_than_its_limit_is_refused_on_the_dashboard(client, login):
    project = ProjectFactory()
    login(project.created_by)

    response = client.post(
        reverse("projects:move", kwargs={"slug": project.slug}),
        {"to_status": "cancelled", "note": "x" * (TRANSITION_NOTE_MAX + 1)},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == Project.Status.OPEN
    assert not ProjectTransition.objects.exists()
