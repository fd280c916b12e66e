"""Passwords through the API (accounts/recovery.py has the rules): a reset email asked for with the
same answer whoever it names, a reset token and a recovery code that each work once, a signed-in
member changing theirs; limits shared with the pages; always the API's one error shape."""

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from accounts import recovery
from accounts.models import PASSWORD_MAX_LENGTH, Member, RecoveryCode
from accounts.services import token_create
from accounts.tests.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "un-nouveau-mot-de-passe"
RESET = "/api/v1/password/reset/"
CONFIRM = "/api/v1/password/reset/confirm/"
RECOVERY = "/api/v1/password/recovery-code/"
CHANGE = "/api/v1/me/password/"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "http://testserver"


def api(**headers):
    return APIClient(HTTP_ACCEPT_LANGUAGE="en", **headers)


def client_of(member):
    client = api()
    _token, raw = token_create(member=member, name="tests")
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def error_of(response):
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


def post(client, url, data, address="203.0.113.7"):
    return client.post(url, data, format="json", REMOTE_ADDR=address)


@pytest.fixture
def amina():
    return MemberFactory(handle="Amina_TW", email="amina@private.example", language="en")


@pytest.fixture
def yacine():
    return MemberFactory(handle="yacine_tw", email=None)


def reset_parts(member):
    return urlsafe_base64_encode(force_bytes(member.pk)), default_token_generator.make_token(member)


def can_log_in(handle, password):
    return Member.objects.get(handle=handle).check_password(password)


# --- Asking for a reset email -------------------------------------------------------------------


def test_asking_for_a_reset_gets_the_same_answer_whoever_it_names(amina, yacine, django_capture_on_commit_callbacks):
    answers = []
    with django_capture_on_commit_callbacks(execute=True):
        for identifier in ["Amina_TW", "amina@private.example", "yacine_tw", "nobody_here", "no@private.example"]:
            response = post(api(), RESET, {"identifier": identifier})
            answers.append((response.status_code, response.json()))

    assert all(answer == answers[0] for answer in answers)
    assert answers[0][0] == 202
    assert answers[0][1]["detail"].startswith("If this handle or email is an account's")
    assert [message.to for message in mail.outbox] == [["amina@private.example"]] * 2
    link = re.search(r"http://testserver(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    assert link.startswith(f"/accounts/reset/{urlsafe_base64_encode(force_bytes(amina.pk))}/")


def test_reset_requests_are_limited_per_address_with_the_page(amina, settings, limits_clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password_reset": "2/hour"}
    page = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/accounts/password_reset/", {"identifier": "x"}, REMOTE_ADDR="203.0.113.7"
    )
    assert page.status_code == 302

    first = post(api(), RESET, {"identifier": "Amina_TW"})
    refused = post(api(), RESET, {"identifier": "Amina_TW"})

    assert first.status_code == 202
    assert refused.status_code == 429
    assert refused["Retry-After"] == "2990"
    assert error_of(refused)["code"] == "throttled"
    assert post(api(), RESET, {"identifier": "Amina_TW"}, address="198.51.100.9").status_code == 202


def test_a_member_s_inbox_gets_a_few_emails_an_hour_whatever_the_addresses(
    amina, settings, limits_clock, django_capture_on_commit_callbacks
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password_reset_account": "2/hour"}
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [post(api(), RESET, {"identifier": "Amina_TW"}, f"192.0.2.{n}").status_code for n in range(6)]

    assert statuses == [202] * 6
    assert len(mail.outbox) == 2


def test_a_bad_reset_request_is_refused_in_the_error_shape():
    too_long = post(api(), RESET, {"identifier": "x" * 255})
    missing = post(api(), RESET, {})

    assert too_long.status_code == 400
    assert error_of(too_long)["fields"] == {"identifier": ["Ensure this field has no more than 254 characters."]}
    assert error_of(missing)["fields"] == {"identifier": ["This field is required."]}


# --- A reset token ------------------------------------------------------------------------------


def test_a_reset_token_sets_the_password_once(amina, django_capture_on_commit_callbacks):
    uid, token = reset_parts(amina)

    with django_capture_on_commit_callbacks(execute=True):
        response = post(api(), CONFIRM, {"uid": uid, "token": token, "new_password": NEW_PASSWORD})

    assert response.status_code == 200
    assert response.json() == {"detail": "Your password is changed: log in with it."}
    assert can_log_in("Amina_TW", NEW_PASSWORD)
    (notice,) = mail.outbox
    assert notice.subject == "Your Tiwizi password was changed"

    before = Member.objects.get(pk=amina.pk).password
    again = post(api(), CONFIRM, {"uid": uid, "token": token, "new_password": "encore-un-autre-mot"})
    assert again.status_code == 400
    assert error_of(again)["code"] == "invalid_link"
    assert Member.objects.get(pk=amina.pk).password == before


@pytest.mark.parametrize(
    ("uid", "token"), [("zzz", "abc"), ("MQ", "1-2"), (urlsafe_base64_encode(force_bytes(10**30)), "x-y")]
)
def test_a_made_up_token_is_refused(amina, uid, token):
    response = post(api(), CONFIRM, {"uid": uid, "token": token, "new_password": NEW_PASSWORD})

    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_link"
    assert can_log_in("Amina_TW", PASSWORD)


def test_a_weak_password_is_refused_on_its_field_and_the_token_still_works(amina):
    uid, token = reset_parts(amina)

    weak = post(api(), CONFIRM, {"uid": uid, "token": token, "new_password": "12345678"})

    assert weak.status_code == 400
    error = error_of(weak)
    assert error["code"] == "invalid_password"
    assert "This password is too common." in error["fields"]["new_password"][0]
    assert post(api(), CONFIRM, {"uid": uid, "token": token, "new_password": NEW_PASSWORD}).status_code == 200


def test_over_long_fields_are_refused_in_the_error_shape(amina):
    response = post(
        api(), CONFIRM, {"uid": "u" * 65, "token": "t" * 129, "new_password": "p" * (PASSWORD_MAX_LENGTH + 1)}
    )

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"uid", "token", "new_password"}


# --- A recovery code ----------------------------------------------------------------------------


def test_a_recovery_code_sets_the_password_once(yacine):
    codes = recovery.recovery_codes_replace(member=yacine)
    data = {"handle": "@yacine_tw", "recovery_code": codes[0].lower(), "new_password": NEW_PASSWORD}

    response = post(api(), RECOVERY, data)

    assert response.status_code == 200
    assert response.json() == {"detail": "Your password is changed: log in with it. Recovery codes left: 7."}
    assert can_log_in("yacine_tw", NEW_PASSWORD)
    again = post(api(), RECOVERY, {**data, "new_password": "encore-un-autre-mot"})
    assert again.status_code == 400
    assert error_of(again) == {
        "code": "invalid_recovery_code",
        "message": "This handle and recovery code do not match (or the code was used already).",
        "fields": {"recovery_code": ["This handle and recovery code do not match (or the code was used already)."]},
    }
    assert can_log_in("yacine_tw", NEW_PASSWORD)
    assert RecoveryCode.objects.filter(member=yacine, used_at__isnull=False).count() == 1


def test_a_wrong_handle_and_a_wrong_code_get_the_same_refusal(yacine):
    codes = recovery.recovery_codes_replace(member=yacine)

    wrong_code = post(
        api(), RECOVERY, {"handle": "yacine_tw", "recovery_code": "AAAA-BBBB-CCCC", "new_password": NEW_PASSWORD}
    )
    wrong_handle = post(
        api(), RECOVERY, {"handle": "nobody_here", "recovery_code": codes[0], "new_password": NEW_PASSWORD}
    )

    assert wrong_code.status_code == wrong_handle.status_code == 400
    assert error_of(wrong_code) == error_of(wrong_handle)
    assert not RecoveryCode.objects.filter(used_at__isnull=False).exists()


def test_code_tries_are_limited_per_handle_across_addresses(yacine, settings, limits_clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "recovery_handle": "2/hour"}
    codes = recovery.recovery_codes_replace(member=yacine)
    guess = {"handle": "yacine_tw", "recovery_code": "AAAA-BBBB-CCCC", "new_password": NEW_PASSWORD}

    statuses = [post(api(), RECOVERY, guess, f"192.0.2.{n}").status_code for n in range(2)]
    refused = post(api(), RECOVERY, {**guess, "recovery_code": codes[0]}, "198.51.100.1")

    assert statuses == [400, 400]
    assert refused.status_code == 429
    assert refused["Retry-After"] == "2990"
    error = error_of(refused)
    assert error["code"] == "throttled"
    assert error["message"].startswith("Too many tries of a recovery code for this handle.")
    assert can_log_in("yacine_tw", PASSWORD)
    assert not RecoveryCode.objects.filter(used_at__isnull=False).exists()


def test_code_tries_are_limited_per_address_with_the_page(settings, limits_clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "recovery": "2/hour"}
    page_data = {
        "handle": "someone",
        "recovery_code": "x",
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    }
    Client().post("/accounts/recover/", page_data, REMOTE_ADDR="203.0.113.7")
    guess = {"handle": "other_one", "recovery_code": "AAAA-BBBB-CCCC", "new_password": NEW_PASSWORD}

    assert post(api(), RECOVERY, guess).status_code == 400
    assert post(api(), RECOVERY, {**guess, "handle": "third_one"}).status_code == 429


# --- Changing one's password --------------------------------------------------------------------


def test_a_member_changes_her_password_and_her_tokens_keep_working(amina, django_capture_on_commit_callbacks):
    client = client_of(amina)

    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, CHANGE, {"current_password": PASSWORD, "new_password": NEW_PASSWORD})

    assert response.status_code == 200
    assert response.json() == {"detail": "Your password is changed."}
    assert can_log_in("Amina_TW", NEW_PASSWORD)
    assert not can_log_in("Amina_TW", PASSWORD)
    assert client.get("/api/v1/me/").status_code == 200
    assert "who typed the old password" in mail.outbox[0].body


def test_a_session_that_changes_the_password_stays_logged_in(amina):
    client = api()
    client.force_login(amina)

    response = post(client, CHANGE, {"current_password": PASSWORD, "new_password": NEW_PASSWORD})

    assert response.status_code == 200
    assert client.get("/api/v1/me/").json()["handle"] == "Amina_TW"


def test_a_wrong_current_password_is_refused_on_its_field_and_changes_nothing(amina):
    before = Member.objects.get(pk=amina.pk).password

    response = post(client_of(amina), CHANGE, {"current_password": "wrong", "new_password": NEW_PASSWORD})

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"current_password": ["This is not your current password."]}
    assert Member.objects.get(pk=amina.pk).password == before


def test_guesses_of_the_current_password_are_limited_per_member(amina, settings, limits_clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup": "2/hour"}
    client = client_of(amina)

    statuses = [
        post(client, CHANGE, {"current_password": guess, "new_password": NEW_PASSWORD}, f"192.0.2.{n}").status_code
        for n, guess in enumerate(["a", "b", PASSWORD])
    ]

    assert statuses == [400, 400, 429]
    assert can_log_in("Amina_TW", PASSWORD)


def test_changing_a_password_needs_a_member():
    response = post(api(), CHANGE, {"current_password": PASSWORD, "new_password": NEW_PASSWORD})

    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


def test_the_schema_describes_the_password_endpoints():
    paths = api().get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()["paths"]

    for path in (RESET, CONFIRM, RECOVERY, CHANGE):
        assert set(paths[path]) == {"post"}, path
    assert "202" in paths[RESET]["post"]["responses"]
    assert "429" in paths[RECOVERY]["post"]["responses"]
