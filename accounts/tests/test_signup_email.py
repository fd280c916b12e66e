"""Signing up (or changing one's address) never tells whether an email is taken (trust and safety
review, issue 11: the sign-up said "An account already uses this email", which let anyone
enumerate members). Whatever the address, the answer is the same and one email leaves: a link
to attach a free address, or a notice to the owner of a taken one."""

import re
from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.core import mail, signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import services
from accounts.models import Member
from accounts.tests.factories import MemberFactory

PASSWORD = "un-mot-de-passe-long"
SIGNUP_URL = reverse("accounts:signup")

# Real commits: the emails leave after them (transaction.on_commit), as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def english_client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def signup(client, handle, email, **extra):
    data = {"handle": handle, "email": email, "password1": PASSWORD, "password2": PASSWORD, **extra}
    return client.post(SIGNUP_URL, data)


def answer(response):
    """What a response tells its reader: status, where it goes, its messages and its body with
    the new member's own handle taken out."""
    handle = response.wsgi_request.user.handle if response.wsgi_request.user.is_authenticated else ""
    return (
        response.status_code,
        response.get("Location"),
        [str(message) for message in get_messages(response.wsgi_request)],
        response.content.decode().replace(handle, "HANDLE") if handle else response.content.decode(),
    )


def link_in(message):
    return re.search(r"http://\S+", message.body).group(0)


@pytest.fixture
def owner():
    return MemberFactory(handle="first", email="someone@example.org")


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "http://testserver"


def test_signup_answers_the_same_whether_or_not_the_email_is_taken(owner):
    taken = signup(english_client(), "second", "SomeOne@Example.org")
    free = signup(english_client(), "third", "free@example.org")

    assert answer(taken) == answer(free)
    assert taken.status_code == 302
    assert answer(taken)[2] == [
        "Welcome to Tiwizi! Your account is ready.",
        "If this address can be used, we sent it a link that attaches it to your account: check your inbox.",
    ]
    # Neither account has an address yet: the account's own page and the API cannot tell either.
    assert Member.objects.get(handle="second").email is None
    assert Member.objects.get(handle="third").email is None
    assert Member.objects.get(handle="first").email == "someone@example.org"


def test_signup_does_the_same_work_whether_or_not_the_email_is_taken(owner):
    """The same queries and one email each way: no timing that tells one from the other."""
    with CaptureQueriesContext(connection) as taken_queries:
        signup(english_client(), "second", "someone@example.org")
    with CaptureQueriesContext(connection) as free_queries:
        signup(english_client(), "third", "free@example.org")

    assert len(taken_queries) == len(free_queries)
    assert [message.to for message in mail.outbox] == [["someone@example.org"], ["free@example.org"]]


def test_the_owner_of_a_taken_address_is_told_and_reminded_of_their_own_handle(owner):
    signup(english_client(), "second", "SomeOne@Example.org")

    (notice,) = mail.outbox
    assert notice.to == ["someone@example.org"]
    assert "@first" in notice.body
    assert "second" not in notice.body
    assert "http://testserver/accounts/login/" in notice.body


def test_a_free_address_is_attached_once_its_owner_follows_the_link():
    client = english_client()
    signup(client, "third", "Free@Example.org")
    link = link_in(mail.outbox[0])

    page = client.get(link)
    assert page.status_code == 200
    assert "free@example.org" in page.content.decode()
    assert Member.objects.get().email is None  # a GET (a mail scanner) attaches nothing

    response = client.post(link)

    assert response.status_code == 302
    assert Member.objects.get().email == "free@example.org"
    assert client.post(link).status_code == 302  # twice is once
    assert Member.objects.get().email == "free@example.org"


def test_the_link_works_without_being_logged_in():
    signup(english_client(), "third", "free@example.org")

    response = english_client().post(link_in(mail.outbox[0]))

    assert response.url == reverse("accounts:login")
    assert Member.objects.get().email == "free@example.org"


def test_a_link_whose_address_another_account_took_meanwhile_attaches_nothing():
    signup(english_client(), "third", "free@example.org")
    link = link_in(mail.outbox[0])
    MemberFactory(handle="quicker", email="free@example.org")

    response = english_client().post(link)

    assert response.status_code == 409
    assert "Another account already uses this address." in response.content.decode()
    assert Member.objects.get(handle="third").email is None


# Named ids: a signed token carries the time it was made, and pytest-xdist's workers must collect
# the same test names.
@pytest.mark.parametrize(
    "token",
    ["not-a-token", signing.dumps({"member": 1, "email": "x@example.org"}, salt="other")],
    ids=["not a token", "signed with another salt"],
)
def test_a_forged_link_attaches_nothing(token):
    member = MemberFactory(email=None)

    response = english_client().post(reverse("accounts:email_confirm", args=[token]))

    assert response.status_code == 400
    member.refresh_from_db()
    assert member.email is None


def test_a_link_older_than_three_days_attaches_nothing():
    member = MemberFactory(email=None)
    with mock.patch("django.core.signing.time.time", return_value=1_000_000_000):
        services.email_attach_request(member=member, email="late@example.org")
    link = link_in(mail.outbox[0])

    with mock.patch("django.core.signing.time.time", return_value=1_000_000_000 + 3 * 24 * 3600 + 1):
        response = english_client().post(link)

    assert response.status_code == 400
    member.refresh_from_db()
    assert member.email is None


def test_the_form_never_says_an_email_is_taken_even_with_other_errors(owner):
    taken = signup(english_client(), "first", "someone@example.org", password2="other")
    free = signup(english_client(), "first", "free@example.org", password2="other")

    assert taken.context["form"].errors == free.context["form"].errors
    assert "email" not in taken.context["form"].errors
    assert set(taken.context["form"].errors) == {"handle", "password2"}
    assert mail.outbox == []


def test_the_account_page_changes_the_address_with_the_same_answer(owner, login):
    answers = []
    for email in ("someone@example.org", "free@example.org"):
        member = MemberFactory(email=None)
        client = english_client()
        client.force_login(member)
        answers.append(answer(client.post(reverse("accounts:account"), {"email": email})))
        member.refresh_from_db()
        assert member.email is None

    assert answers[0] == answers[1]
    assert answers[0][1] == reverse("accounts:account")
    assert [message.to for message in mail.outbox] == [["someone@example.org"], ["free@example.org"]]
    assert "@first" in mail.outbox[0].body


def test_logging_in_by_email_works_once_the_address_is_attached():
    client = english_client()
    signup(client, "third", "free@example.org")
    link = link_in(mail.outbox[0])
    login = {"username": "free@example.org", "password": PASSWORD}

    assert english_client().post(reverse("accounts:login"), login).status_code == 200  # refused
    client.post(link)
    assert english_client().post(reverse("accounts:login"), login).status_code == 302


def test_a_member_removes_their_address(login):
    member = MemberFactory(email="mine@example.org")
    client = english_client()
    client.force_login(member)

    response = client.post(reverse("accounts:email_remove"))

    assert response.url == reverse("accounts:account")
    member.refresh_from_db()
    assert member.email is None


def test_the_api_says_nothing_of_an_address_until_it_is_attached(owner):
    client = english_client()
    signup(client, "second", "someone@example.org")

    assert client.get("/api/v1/me/").json()["email"] is None
