"""Getting back into an account (accounts/recovery.py): a reset link mailed to a confirmed address,
that works once and for a day; recovery codes for members without an email, shown once, kept as
keyed hashes, each good once; changing a password; and the limits that keep a stranger from
guessing codes or filling a member's inbox, without the answers ever telling who has an account."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.tokens import default_token_generator
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts import privacy, recovery
from accounts.models import PASSWORD_MAX_LENGTH, Member, RecoveryCode
from accounts.tests.factories import PASSWORD, MemberFactory
from core.errors import DomainError

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "un-nouveau-mot-de-passe"
RESET_URL = reverse("accounts:password_reset")
RECOVER_URL = reverse("accounts:recover")
CODES_URL = reverse("accounts:recovery_codes")
LOGIN_URL = reverse("accounts:login")
SIGNUP_URL = reverse("accounts:signup")
CHANGE_URL = reverse("accounts:password_change")


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def english_client(**headers):
    return Client(HTTP_ACCEPT_LANGUAGE="en", **headers)


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def amina():
    """A member with a confirmed address (an address is stored only once confirmed), who reads
    English: her emails are in her language (accounts/languages.py)."""
    return MemberFactory(handle="Amina_TW", email="amina@private.example", language="en")


@pytest.fixture
def yacine():
    """A member who signed up with a handle only."""
    return MemberFactory(handle="yacine_tw", email=None)


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def link_in(message):
    return re.search(r"http://testserver(/\S+)", message.body).group(1)


def request_reset(client, identifier, *, address="203.0.113.7"):
    return client.post(RESET_URL, {"identifier": identifier}, REMOTE_ADDR=address)


def choose_password(client, link, password=NEW_PASSWORD):
    """Follow a reset link as a browser does (the token moves to the session), then set the password."""
    page = client.get(link, follow=True)
    assert page.status_code == 200
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link
    return client.post(form_url, {"new_password1": password, "new_password2": password})


def recover(client, handle, code, password=NEW_PASSWORD, *, address="203.0.113.7"):
    data = {"handle": handle, "recovery_code": code, "new_password1": password, "new_password2": password}
    return client.post(RECOVER_URL, data, REMOTE_ADDR=address)


def password_of(member):
    return Member.objects.get(pk=member.pk).password


def can_log_in(handle, password):
    response = english_client().post(LOGIN_URL, {"username": handle, "password": password})
    return response.status_code == 302 and SESSION_KEY in response.wsgi_request.session


# --- The way in ---------------------------------------------------------------------------------


def test_the_login_page_links_to_both_ways_back(client):
    content = client.get(LOGIN_URL).content.decode()

    assert f'href="{RESET_URL}"' in content
    assert f'href="{RECOVER_URL}"' in content


def test_the_header_logs_out_with_a_small_post_form_and_never_with_a_link(client, amina):
    client.force_login(amina)
    header = client.get(reverse("accounts:account")).content.decode()

    form = re.search(r'<form method="post" action="/accounts/logout/" class="inline">(.*?)</form>', header, re.S)
    assert form is not None
    assert 'name="csrfmiddlewaretoken"' in form.group(1)
    assert 'class="link"' in form.group(1)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert SESSION_KEY not in client.session


# --- A reset link by email ----------------------------------------------------------------------


@pytest.mark.parametrize("identifier", ["Amina_TW", "@amina_tw", "AMINA@private.example"])
def test_a_reset_link_goes_after_the_commit_to_the_account_s_own_address(
    client, amina, identifier, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = request_reset(client, identifier)
        assert mail.outbox == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    (message,) = mail.outbox
    assert message.to == ["amina@private.example"]
    assert message.subject == "Choose a new password for Tiwizi"
    assert "Hello @Amina_TW," in message.body
    assert "within 24 hours" in message.body
    uid = urlsafe_base64_encode(force_bytes(amina.pk))
    assert link_in(message).startswith(f"/accounts/reset/{uid}/")
    assert "http://testserver/accounts/recover/" in message.body


def test_the_answer_is_the_same_whoever_the_handle_or_email_names(
    client, amina, yacine, django_capture_on_commit_callbacks
):
    MemberFactory(handle="closed_one", email="closed@private.example", is_active=False)
    identifiers = [
        "Amina_TW",  # an account with an address
        "yacine_tw",  # an account without one
        "closed_one",  # an account closed
        "nobody_here",  # no account
        "nobody@private.example",  # no account has this address
    ]
    answers = []
    with django_capture_on_commit_callbacks(execute=True):
        for identifier in identifiers:
            response = request_reset(english_client(), identifier)
            done = english_client().get(response["Location"])
            answers.append((response.status_code, response["Location"], done.status_code, done.content))

    assert all(answer == answers[0] for answer in answers)
    assert "If this handle or email is an account" in answers[0][3].decode()
    assert [message.to for message in mail.outbox] == [["amina@private.example"]]


def test_a_reset_link_works_once(client, amina, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request_reset(client, "Amina_TW")
    link = link_in(mail.outbox[0])

    with django_capture_on_commit_callbacks(execute=True):
        response = choose_password(english_client(), link)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_complete")
    assert can_log_in("Amina_TW", NEW_PASSWORD)
    assert not can_log_in("Amina_TW", PASSWORD)
    # The member is told, at her address, how her password changed.
    notice = mail.outbox[-1]
    assert notice.to == ["amina@private.example"]
    assert notice.subject == "Your Tiwizi password was changed"
    assert "with a reset link sent to this address" in notice.body

    before = password_of(amina)
    again = english_client().get(link, follow=True)
    assert again.status_code == 200
    assert "This password reset link does not work" in again.content.decode()
    assert 'name="new_password1"' not in again.content.decode()
    assert password_of(amina) == before


def test_an_expired_link_is_refused_and_changes_nothing(client, amina, monkeypatch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request_reset(client, "Amina_TW")
    link = link_in(mail.outbox[0])
    issued = default_token_generator._now()
    # The token generator's clock (the outside world), a day and a minute later.
    monkeypatch.setattr(default_token_generator, "_now", lambda: issued + timedelta(days=1, minutes=1))

    page = english_client().get(link, follow=True)

    assert "This password reset link does not work" in page.content.decode()
    assert can_log_in("Amina_TW", PASSWORD)


def test_a_link_stops_working_once_the_password_changed_another_way(client, amina, in_english):
    uid = urlsafe_base64_encode(force_bytes(amina.pk))
    token = default_token_generator.make_token(amina)
    recovery.password_change(member=amina, current_password=PASSWORD, new_password="encore-un-autre-mot")

    with pytest.raises(DomainError) as refused:
        recovery.password_reset_confirm(uid=uid, token=token, new_password=NEW_PASSWORD)

    assert refused.value.code == "invalid_link"
    assert can_log_in("Amina_TW", "encore-un-autre-mot")


@pytest.mark.parametrize(
    ("uid", "token"),
    [
        ("zzz", "abc-def"),
        ("", ""),
        (urlsafe_base64_encode(force_bytes(10**30)), "x-y"),
        (urlsafe_base64_encode(b"\xff\xfe"), "x-y"),
        (urlsafe_base64_encode(force_bytes("not-a-number")), "x-y"),
    ],
)
def test_a_made_up_link_is_refused_with_a_message(amina, uid, token, in_english):
    with pytest.raises(DomainError) as refused:
        recovery.password_reset_confirm(uid=uid, token=token, new_password=NEW_PASSWORD)
    assert "does not work" in refused.value.message
    path = reverse("accounts:password_reset_confirm", args=[uid or "x", token or "y"])
    assert english_client().get(path).status_code == 200


def test_requests_for_a_reset_email_are_limited_per_address(client, amina, settings, limits_clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password_reset": "2/hour"}
    statuses = [request_reset(client, f"someone_{n}").status_code for n in range(2)]
    refused = request_reset(client, "Amina_TW")

    assert statuses == [302, 302]
    assert refused.status_code == 429
    assert refused["Retry-After"] == "2990"
    assert mail.outbox == []
    assert request_reset(client, "Amina_TW", address="198.51.100.9").status_code == 302


def test_a_stranger_cannot_fill_a_member_s_inbox_from_many_addresses(
    client, amina, settings, limits_clock, django_capture_on_commit_callbacks
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password_reset_account": "3/hour"}
    with django_capture_on_commit_callbacks(execute=True):
        responses = [request_reset(client, "Amina_TW", address=f"192.0.2.{n}") for n in range(10)]

    # Every request gets the same answer; three emails leave.
    assert {(response.status_code, response["Location"]) for response in responses} == {
        (302, reverse("accounts:password_reset_done"))
    }
    assert len(mail.outbox) == 3

    limits_clock.advance(3600)
    with django_capture_on_commit_callbacks(execute=True):
        request_reset(client, "Amina_TW", address="192.0.2.99")
    assert len(mail.outbox) == 4


def test_a_new_password_forgets_the_failed_log_ins_of_the_account(
    client, amina, settings, django_capture_on_commit_callbacks
):
    for n in range(settings.AXES_FAILURE_LIMIT):
        english_client().post(LOGIN_URL, {"username": "Amina_TW", "password": f"guess-{n}"}, REMOTE_ADDR=f"192.0.2.{n}")
    assert not can_log_in("Amina_TW", PASSWORD)  # locked out

    with django_capture_on_commit_callbacks(execute=True):
        request_reset(client, "Amina_TW")
    with django_capture_on_commit_callbacks(execute=True):
        choose_password(english_client(), link_in(mail.outbox[0]))

    assert can_log_in("Amina_TW", NEW_PASSWORD)


# --- Signing up without an email: recovery codes ------------------------------------------------


def test_the_signup_form_warns_that_without_an_email_a_password_cannot_be_reset_by_email(client):
    content = client.get(SIGNUP_URL).content.decode()

    assert "Without an email, a forgotten password cannot be reset by email" in content
    assert "recovery codes" in content


def sign_up(client, handle, email="", next_url=None):
    data = {"handle": handle, "email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    url = SIGNUP_URL if next_url is None else f"{SIGNUP_URL}?next={next_url}"
    return client.post(url, data)


def codes_on(page):
    return re.findall(r"<code>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})</code>", page.content.decode())


def test_signing_up_without_email_shows_eight_codes_once_then_goes_where_she_was(client):
    response = sign_up(client, "Nouvelle_Twitta", next_url="/p/tighzit/")

    assert response.status_code == 302
    assert response["Location"] == f"{CODES_URL}?next=%2Fp%2Ftighzit%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    content = page.content.decode()
    assert "Welcome to Tiwizi! Your account is ready." in content
    assert "For the Tiwizi account @Nouvelle_Twitta" in content
    assert "they will not be shown again" in content
    assert 'href="/p/tighzit/"' in content
    assert "accounts/recovery_codes.css" in content  # the printout shows the codes alone
    codes = codes_on(page)
    assert len(codes) == len(set(codes)) == 8
    member = Member.objects.get(handle="Nouvelle_Twitta")
    assert RecoveryCode.objects.filter(member=member, used_at__isnull=True).count() == 8

    # Read again, the page shows no code and makes none.
    again = client.get(response["Location"])
    assert codes_on(again) == []
    assert "You have 8 unused codes" in again.content.decode()
    assert set(RecoveryCode.objects.filter(member=member).values_list("code_hash", flat=True)) == {
        recovery.code_hashes(member.pk, code.replace("-", ""))[0] for code in codes
    }


def test_the_codes_page_of_a_sign_up_drops_a_next_page_on_another_site(client):
    response = sign_up(client, "Nouvelle_Twitta", next_url="https://evil.example/steal")

    assert response["Location"] == CODES_URL
    page = client.get(f"{CODES_URL}?next=https://evil.example/steal")
    assert 'href="https://evil.example' not in page.content.decode()
    assert f'href="{reverse("pages:home")}"' in page.content.decode()


def test_signing_up_with_an_email_welcomes_and_returns_where_she_was_without_codes(client):
    response = sign_up(client, "Nouvelle_Twitta", email="nouvelle@private.example", next_url="/p/tighzit/")

    assert response.status_code == 302
    assert response["Location"] == "/p/tighzit/"
    assert messages_of(response) == [
        "Welcome to Tiwizi! Your account is ready.",
        "If this address can be used, we sent it a link that attaches it to your account: check your inbox.",
    ]
    assert not RecoveryCode.objects.exists()


def test_codes_are_kept_as_hashes_keyed_by_the_secret_key(yacine, settings):
    codes = recovery.recovery_codes_replace(member=yacine)
    stored = list(RecoveryCode.objects.filter(member=yacine).values_list("code_hash", flat=True))

    for code in codes:
        plain = code.replace("-", "")
        assert plain not in " ".join(stored)
        expected = salted_hmac(recovery.HASH_SALT, f"{yacine.pk}:{plain}", algorithm="sha256").hexdigest()
        assert expected in stored
    # Under another key none of them matches; with the old key among the fallbacks all still do.
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "another-key-" + "x" * 50
    assert recovery.code_hashes(yacine.pk, codes[0].replace("-", ""))[0] not in stored
    settings.SECRET_KEY_FALLBACKS = [old_key]
    member = recovery.password_recover_with_code(handle="yacine_tw", code=codes[0], new_password=NEW_PASSWORD)
    assert member.check_password(NEW_PASSWORD)


# --- Using a recovery code ----------------------------------------------------------------------


def test_a_recovery_code_sets_a_new_password_once(client, yacine):
    codes = recovery.recovery_codes_replace(member=yacine)

    response = recover(client, "@Yacine_TW", codes[3])

    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    assert messages_of(response) == ["Your password is changed: log in with it.", "You have 7 recovery codes left."]
    assert can_log_in("yacine_tw", NEW_PASSWORD)
    assert RecoveryCode.objects.filter(member=yacine, used_at__isnull=False).count() == 1

    before = password_of(yacine)
    again = recover(english_client(), "yacine_tw", codes[3], "encore-un-autre-mot")
    assert again.status_code == 400
    assert again.context["form"].errors["recovery_code"] == [
        "This handle and recovery code do not match (or the code was used already)."
    ]
    assert password_of(yacine) == before
    assert RecoveryCode.objects.filter(member=yacine, used_at__isnull=False).count() == 1


@pytest.mark.parametrize("typed", ["lower", "no dashes", "spaces", "O for 0 and I for 1"])
def test_a_code_is_read_as_a_person_copies_it(yacine, monkeypatch, typed, in_english):
    made = iter(["0123456789AB", *(f"{n}BCDEFGHJKMN" for n in range(2, 9))])
    monkeypatch.setattr(recovery, "new_code", lambda: next(made))
    (code, *_others) = recovery.recovery_codes_replace(member=yacine)
    assert code == "0123-4567-89AB"
    written = {
        "lower": "0123-4567-89ab",
        "no dashes": "0123456789AB",
        "spaces": " 0123 4567 89AB ",
        "O for 0 and I for 1": "OI23-4567-89AB",
    }

    member = recovery.password_recover_with_code(handle="yacine_tw", code=written[typed], new_password=NEW_PASSWORD)

    assert member.check_password(NEW_PASSWORD)


def test_a_member_with_an_address_is_told_that_a_code_was_used(client, amina, django_capture_on_commit_callbacks):
    codes = recovery.recovery_codes_replace(member=amina)

    with django_capture_on_commit_callbacks(execute=True):
        recover(client, "Amina_TW", codes[0])

    (notice,) = mail.outbox
    assert notice.to == ["amina@private.example"]
    assert "Hello @Amina_TW," in notice.body
    assert "with one of your recovery codes, which is now used up" in notice.body
    assert "http://testserver/accounts/password_reset/" in notice.body


def test_a_wrong_code_a_wrong_handle_and_another_member_s_code_get_one_refusal(client, yacine, amina):
    codes = recovery.recovery_codes_replace(member=yacine)
    amina_codes = recovery.recovery_codes_replace(member=amina)
    before = {member.pk: password_of(member) for member in (yacine, amina)}

    refusals = [
        recover(english_client(), "yacine_tw", "AAAA-BBBB-CCCC"),
        recover(english_client(), "nobody_here", codes[0]),
        recover(english_client(), "yacine_tw", amina_codes[0]),
        recover(english_client(), "yacine_tw", "tooshort"),
    ]

    assert {response.status_code for response in refusals} == {400}
    assert {tuple(response.context["form"].errors["recovery_code"]) for response in refusals} == {
        ("This handle and recovery code do not match (or the code was used already).",)
    }
    assert {member.pk: password_of(member) for member in (yacine, amina)} == before
    assert not RecoveryCode.objects.filter(used_at__isnull=False).exists()


def test_a_weak_new_password_is_refused_and_the_code_stays_unused(client, yacine):
    codes = recovery.recovery_codes_replace(member=yacine)

    response = recover(client, "yacine_tw", codes[0], "123")

    assert response.status_code == 400
    assert "This password is too short" in " ".join(response.context["form"].errors["new_password2"])
    assert not RecoveryCode.objects.filter(used_at__isnull=False).exists()
    assert can_log_in("yacine_tw", PASSWORD)


def test_over_long_fields_are_refused_with_a_message(client, yacine):
    response = client.post(
        RECOVER_URL,
        {
            "handle": "y" * 32,
            "recovery_code": "A" * (recovery.RECOVERY_CODE_MAX_LENGTH + 1),
            "new_password1": "p" * (PASSWORD_MAX_LENGTH + 1),
            "new_password2": "p" * (PASSWORD_MAX_LENGTH + 1),
        },
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["handle"] == ["Ensure this value has at most 31 characters (it has 32)."]
    assert errors["recovery_code"] == ["Ensure this value has at most 40 characters (it has 41)."]
    assert errors["new_password1"] == ["Ensure this value has at most 256 characters (it has 257)."]
    long_reset = client.post(RESET_URL, {"identifier": "x" * 255})
    assert long_reset.status_code == 200
    assert long_reset.context["form"].errors["identifier"] == [
        "Ensure this value has at most 254 characters (it has 255)."
    ]


def test_tries_of_codes_are_limited_per_handle_from_any_address(client, yacine, settings, limits_clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "recovery_handle": "3/hour"}
    codes = recovery.recovery_codes_replace(member=yacine)
    guesses = [recover(client, "yacine_tw", f"AAAA-BBBB-CCC{n}", address=f"192.0.2.{n}") for n in range(3)]

    right_code_too_late = recover(client, "YACINE_TW", codes[0], address="198.51.100.1")

    assert [response.status_code for response in guesses] == [400, 400, 400]
    assert right_code_too_late.status_code == 429
    assert right_code_too_late["Retry-After"] == "2990"
    assert "Too many tries of a recovery code for this handle." in right_code_too_late.content.decode()
    assert can_log_in("yacine_tw", PASSWORD)
    assert not RecoveryCode.objects.filter(used_at__isnull=False).exists()
    # A handle that names nobody is counted the same (its answer tells nothing), and apart.
    assert [recover(client, "nobody_here", codes[0], address=f"192.0.2.{n}").status_code for n in range(4)] == [
        400,
        400,
        400,
        429,
    ]

    limits_clock.advance(2990)
    assert recover(client, "yacine_tw", codes[0], address="198.51.100.1").status_code == 302


def test_tries_of_codes_are_limited_per_address_across_handles(client, settings, limits_clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "recovery": "2/hour"}
    statuses = [recover(client, f"handle_{n}", "AAAA-BBBB-CCCC").status_code for n in range(3)]

    assert statuses == [400, 400, 429]
    assert client.get(RECOVER_URL).status_code == 200  # reading the page is not counted


# --- New codes, from the account page -----------------------------------------------------------


def test_the_account_page_links_to_new_codes_and_to_changing_the_password(client, yacine):
    client.force_login(yacine)
    content = client.get(reverse("accounts:account")).content.decode()

    assert f'href="{CODES_URL}"' in content
    assert f'href="{CHANGE_URL}"' in content
    assert "You have no email and no recovery code" in content


def test_new_codes_need_the_password_and_replace_the_old_ones(client, yacine):
    old_codes = recovery.recovery_codes_replace(member=yacine)
    client.force_login(yacine)

    wrong = client.post(CODES_URL, {"password": "not-mine"})
    assert wrong.status_code == 400
    assert codes_on(wrong) == []
    assert RecoveryCode.objects.filter(member=yacine).count() == 8
    assert recover(english_client(), "yacine_tw", old_codes[0], address="192.0.2.1").status_code == 302
    yacine.refresh_from_db()
    client.force_login(yacine)

    response = client.post(CODES_URL, {"password": NEW_PASSWORD})

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    new_codes = codes_on(response)
    assert len(new_codes) == 8
    assert not set(new_codes) & set(old_codes)
    assert RecoveryCode.objects.filter(member=yacine).count() == 8  # the used one is gone too
    assert recover(english_client(), "yacine_tw", old_codes[1], address="192.0.2.2").status_code == 400
    assert (
        recover(english_client(), "yacine_tw", new_codes[0], "encore-un-autre-mot", address="192.0.2.3").status_code
        == 302
    )


def test_guesses_of_the_password_for_new_codes_are_limited_per_member(client, yacine, settings, limits_clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup": "2/hour"}
    client.force_login(yacine)

    statuses = [client.post(CODES_URL, {"password": guess}).status_code for guess in ("a", "b", PASSWORD)]

    assert statuses == [400, 400, 429]
    assert not RecoveryCode.objects.exists()


def test_the_codes_pages_need_a_signed_in_member(client):
    assert client.get(CODES_URL).status_code == 302
    assert client.post(CODES_URL, {"password": PASSWORD}).status_code == 302
    assert not RecoveryCode.objects.exists()


def test_a_copy_of_her_data_dates_her_codes_and_deleting_the_account_erases_them(yacine):
    codes = recovery.recovery_codes_replace(member=yacine)
    recovery.password_recover_with_code(handle="yacine_tw", code=codes[0], new_password=NEW_PASSWORD)

    data = privacy.member_data(member=yacine)
    assert len(data["recovery_codes"]) == 8
    assert set(data["recovery_codes"][0]) == {"created_at", "used_at"}
    assert sum(1 for code in data["recovery_codes"] if code["used_at"]) == 1

    privacy.member_erase(member=yacine)
    assert not RecoveryCode.objects.filter(member=yacine).exists()
    with pytest.raises(DomainError):
        recovery.password_recover_with_code(handle="yacine_tw", code=codes[1], new_password=NEW_PASSWORD)


# --- Changing a password ------------------------------------------------------------------------


def test_changing_the_password_keeps_this_session_ends_the_others_and_tells_her(
    client, amina, django_capture_on_commit_callbacks
):
    client.force_login(amina)
    other_session = english_client()
    other_session.force_login(amina)
    data = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CHANGE_URL, data)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:account")
    assert messages_of(response) == ["Your password is changed."]
    assert client.get(reverse("accounts:account")).status_code == 200
    assert other_session.get(reverse("accounts:account")).status_code == 302  # logged out
    assert can_log_in("Amina_TW", NEW_PASSWORD)
    (notice,) = mail.outbox
    assert notice.to == ["amina@private.example"]
    assert "who typed the old password" in notice.body


def test_a_wrong_current_password_changes_nothing(client, amina):
    client.force_login(amina)
    before = password_of(amina)

    response = client.post(
        CHANGE_URL, {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]
    assert password_of(amina) == before
    assert mail.outbox == []


def test_guesses_of_the_current_password_are_limited_per_member(client, amina, settings, limits_clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup": "2/hour"}
    client.force_login(amina)
    data = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}

    statuses = [client.post(CHANGE_URL, {**data, "old_password": guess}).status_code for guess in ("a", "b", PASSWORD)]

    assert statuses == [200, 200, 429]
    assert can_log_in("Amina_TW", PASSWORD)


def test_changing_a_password_needs_a_signed_in_member(client):
    response = client.get(CHANGE_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


# --- At the same time (PostgreSQL) --------------------------------------------------------------


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_one_code_used_twice_at_once_works_once(in_english):
    from core.tests.concurrency import rows_locked, run_together

    yacine = MemberFactory(handle="yacine_tw", email=None)
    code = recovery.recovery_codes_replace(member=yacine)[0]

    def use(password):
        return lambda: recovery.password_recover_with_code(handle="yacine_tw", code=code, new_password=password)

    outcomes = run_together(
        {"first tab": use("premier-mot-de-passe"), "second tab": use("second-mot-de-passe")},
        holding=rows_locked(Member.objects.filter(pk=yacine.pk)),
    )

    kinds = sorted(kind for kind, _result in outcomes.values())
    assert kinds == ["ok", "refused"]
    (winner,) = [name for name, (kind, _result) in outcomes.items() if kind == "ok"]
    password = "premier-mot-de-passe" if winner == "first tab" else "second-mot-de-passe"
    assert Member.objects.get(pk=yacine.pk).check_password(password)
    assert RecoveryCode.objects.filter(member=yacine, used_at__isnull=False).count() == 1


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_one_reset_link_used_twice_at_once_works_once(in_english):
    from core.tests.concurrency import rows_locked, run_together

    amina = MemberFactory(handle="Amina_TW", email="amina@private.example")
    uid = urlsafe_base64_encode(force_bytes(amina.pk))
    token = default_token_generator.make_token(amina)

    def use(password):
        return lambda: recovery.password_reset_confirm(uid=uid, token=token, new_password=password)

    outcomes = run_together(
        {"first tab": use("premier-mot-de-passe"), "second tab": use("second-mot-de-passe")},
        holding=rows_locked(Member.objects.filter(pk=amina.pk)),
    )

    assert sorted(kind for kind, _result in outcomes.values()) == ["ok", "refused"]
    (winner,) = [name for name, (kind, _result) in outcomes.items() if kind == "ok"]
    password = "premier-mot-de-passe" if winner == "first tab" else "second-mot-de-passe"
    assert Member.objects.get(pk=amina.pk).check_password(password)
