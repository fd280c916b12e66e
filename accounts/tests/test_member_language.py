"""Each member's language: set at sign-up to the one they signed up in, changed with the switcher
or on their account page; it decides their pages when signed in, the API's messages when a
request names no language, and every email they get. An anonymous visitor gets Accept-Language,
then the switcher's choice. URLs are the same in every language."""

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.languages import language_of
from accounts.models import Member
from accounts.recovery import password_reset_request
from accounts.services import token_create
from accounts.tests.factories import MemberFactory
from donations.models import Pledge
from donations.services import pledge_create, reception_record
from donations.tests.factories import NeedFactory
from projects import services as project_services
from projects.tests.factories import ProjectFactory
from receipts.tests.factories import IssuerFactory

pytestmark = pytest.mark.django_db

HOME = "/"


def html_tag(response):
    page = response.content.decode()
    return page[page.index("<html") : page.index(">", page.index("<html")) + 1]


def sign_up(client, handle, **headers):
    return client.post(
        reverse("accounts:signup"),
        {"handle": handle, "password1": "une phrase assez longue", "password2": "une phrase assez longue"},
        **headers,
    )


# --- Pages ---------------------------------------------------------------------------------------


def test_a_member_speaks_the_language_they_signed_up_in(client):
    sign_up(client, "in_english", HTTP_ACCEPT_LANGUAGE="en")
    sign_up(client.__class__(), "en_francais")
    sign_up(client.__class__(), "bil_arabiya", HTTP_ACCEPT_LANGUAGE="ar-MA,ar;q=0.9")

    languages = dict(Member.objects.values_list("handle", "language"))
    assert languages == {"in_english": "en", "en_francais": "fr", "bil_arabiya": "ar"}


def test_a_signed_in_member_gets_their_language_whatever_the_browser_says(client):
    client.force_login(MemberFactory(language="ar"))

    response = client.get(HOME, HTTP_ACCEPT_LANGUAGE="fr")

    assert html_tag(response) == '<html lang="ar" dir="rtl">'
    assert response["Content-Language"] == "ar"


def test_an_anonymous_visitor_gets_accept_language_then_the_switchers_choice(client):
    assert html_tag(client.get(HOME, HTTP_ACCEPT_LANGUAGE="ar")) == '<html lang="ar" dir="rtl">'
    assert html_tag(client.get(HOME, HTTP_ACCEPT_LANGUAGE="en-GB")) == '<html lang="en" dir="ltr">'
    assert html_tag(client.get(HOME)) == '<html lang="fr" dir="ltr">'

    client.post(reverse("set_language"), {"language": "ar", "next": HOME})

    assert html_tag(client.get(HOME, HTTP_ACCEPT_LANGUAGE="en")) == '<html lang="ar" dir="rtl">'


def test_the_switcher_keeps_a_members_choice_on_their_account(client):
    member = MemberFactory(language="fr")
    client.force_login(member)

    client.post(reverse("set_language"), {"language": "en", "next": HOME}, HTTP_ORIGIN="http://testserver")

    member.refresh_from_db()
    assert member.language == "en"
    assert html_tag(client.get(HOME)) == '<html lang="en" dir="ltr">'


def test_a_post_from_another_site_does_not_change_the_account(client):
    member = MemberFactory(language="fr")
    client.force_login(member)

    client.post(reverse("set_language"), {"language": "en", "next": HOME}, HTTP_ORIGIN="https://evil.example")
    client.post(reverse("set_language"), {"language": "ar", "next": HOME})  # no Origin at all

    member.refresh_from_db()
    assert member.language == "fr"
    assert html_tag(client.get(HOME)) == '<html lang="fr" dir="ltr">'


def test_the_account_page_chooses_the_language(client):
    member = MemberFactory(language="fr")
    client.force_login(member)
    page = client.get(reverse("accounts:account")).content.decode()
    assert '<option value="fr" lang="fr" selected>' in page

    response = client.post(reverse("accounts:language"), {"language": "en"}, follow=True)

    assert "Your pages and emails are now in this language." in response.content.decode()
    member.refresh_from_db()
    assert member.language == "en"


def test_a_language_the_site_does_not_speak_is_refused_with_a_message(client):
    member = MemberFactory(language="fr")
    client.force_login(member)

    response = client.post(reverse("accounts:language"), {"language": "xx" * 50}, follow=True)

    assert response.status_code == 200
    assert "Choisissez une des langues du site." in response.content.decode()
    member.refresh_from_db()
    assert member.language == "fr"


def test_urls_are_the_same_in_every_language(client):
    project = ProjectFactory(slug="tighzit")
    for language in ("fr", "en", "ar"):
        assert client.get(project.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language).status_code == 200
    assert project.get_absolute_url() == "/p/tighzit/"


# --- The API -------------------------------------------------------------------------------------


def api_client(member):
    client = APIClient()
    _token, raw = token_create(member=member, name="tests")
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def test_the_api_speaks_the_members_language_when_the_request_names_none():
    client = api_client(MemberFactory(language="en"))

    in_theirs = client.post("/api/v1/pledges/", {}, format="json")
    asked_french = client.post("/api/v1/pledges/", {}, format="json", HTTP_ACCEPT_LANGUAGE="fr")

    assert in_theirs.json()["error"]["fields"]["need"] == ["This field is required."]
    assert asked_french.json()["error"]["fields"]["need"] == ["Ce champ est obligatoire."]
    assert in_theirs["Content-Language"] == "en"


def test_a_member_changes_their_language_in_the_api():
    member = MemberFactory(language="fr")
    client = api_client(member)

    response = client.patch("/api/v1/me/", {"language": "ar"}, format="json")

    assert response.status_code == 200
    assert response.json()["language"] == "ar"
    member.refresh_from_db()
    assert member.language == "ar"
    refused = client.patch("/api/v1/me/", {"language": "tlh"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400
    assert set(refused.json()["error"]["fields"]) == {"language"}
    member.refresh_from_db()
    assert member.language == "ar"


# --- Emails --------------------------------------------------------------------------------------


def test_an_account_older_than_the_choice_is_written_to_in_the_sites_language(settings):
    assert language_of(MemberFactory(language="")) == settings.LANGUAGE_CODE == "fr"


@pytest.mark.parametrize(
    ("language", "subject"),
    [("fr", "Choisissez un nouveau mot de passe pour Tiwizi"), ("en", "Choose a new password for Tiwizi")],
)
def test_the_password_reset_email_is_in_the_members_language(
    language, subject, django_capture_on_commit_callbacks, settings
):
    settings.LANGUAGE_CODE = "en" if language == "fr" else "fr"  # never the site's by chance
    member = MemberFactory(language=language)

    with django_capture_on_commit_callbacks(execute=True):
        password_reset_request(identifier=member.handle)

    (email,) = mail.outbox
    assert email.subject == subject


@pytest.mark.parametrize(
    ("language", "words"),
    [("fr", "Merci pour votre promesse de don"), ("en", "Thank you for your pledge")],
)
def test_the_giving_instructions_are_in_the_donors_language(language, words, django_capture_on_commit_callbacks):
    donor = MemberFactory(language=language)
    need = NeedFactory(cash=True)

    with django_capture_on_commit_callbacks(execute=True):
        pledge_create(donor=donor, need=need, quantity=200, channel=Pledge.Channel.BANK_TRANSFER)

    (email,) = mail.outbox
    assert words in email.body


@pytest.mark.parametrize(
    ("language", "words"),
    [("fr", "vous invite à devenir co-responsable"), ("en", "invites you to co-lead")],
)
def test_the_invitation_is_in_the_invited_members_language(language, words, django_capture_on_commit_callbacks):
    project = ProjectFactory()
    invited = MemberFactory(language=language)

    with django_capture_on_commit_callbacks(execute=True):
        project_services.lead_invitation_create(project=project, actor=project.leads.get(), handle=invited.handle)

    (email,) = mail.outbox
    assert words in email.body


def test_handles_stay_ascii_and_an_arabic_sign_up_is_told_so_in_arabic(client):
    """Handles are Twitter handles: Latin letters, digits and "_", in every language."""
    response = sign_up(client, "عائشة_تيزي", HTTP_ACCEPT_LANGUAGE="ar")

    assert response.status_code == 200
    assert "يتكوّن المعرّف من 3 إلى 30 حرفًا" in response.content.decode()
    assert not Member.objects.exists()


@pytest.mark.parametrize(
    ("language", "subject"),
    [("fr", "Votre reçu TWZ-"), ("en", "Your receipt TWZ-"), ("ar", "إيصالك TWZ-")],
)
def test_the_receipt_email_is_in_the_donors_language(language, subject, django_capture_on_commit_callbacks):
    donor = MemberFactory(language=language)
    need = NeedFactory(cash=True)
    IssuerFactory(community=need.project.community, number_prefix="TWZ")
    pledge = pledge_create(donor=donor, need=need, quantity=200, channel=Pledge.Channel.BANK_TRANSFER)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        reception_record(pledge=pledge, actor=need.project.leads.get(), quantity=200)

    (email,) = mail.outbox
    assert email.subject.startswith(subject)
