"""Members: handles, optional private emails, Argon2 passwords, logging in by handle or email."""

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import RequestFactory

from accounts.models import Member, normalize_handle, validate_handle
from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def login_request():
    """authenticate() is given the request, as the log-in form does: the log-in limits (axes) count it."""
    return RequestFactory().post("/accounts/login/")


def create(handle, email=None, password=PASSWORD):
    return Member.objects.create_user(handle, password, email=email)


# --- handles --------------------------------------------------------------------------


@pytest.mark.parametrize("handle", ["abc", "Amine_2024", "a" * 30, "___", "TIWIZI_fan"])
def test_valid_handles(handle):
    validate_handle(handle)


@pytest.mark.parametrize("handle", ["ab", "a" * 31, "amine-b", "amine.b", "amine b", "émilie", "", "@amine"])
def test_invalid_handles_are_refused(handle):
    with pytest.raises(ValidationError) as refused:
        validate_handle(handle)

    assert refused.value.code == "invalid_handle"


@pytest.mark.parametrize("handle", ["admin", "Admin", "ANONYMOUS", "tiwizi", "api", "Moderators"])
def test_reserved_handles_are_refused(handle):
    with pytest.raises(ValidationError) as refused:
        create(handle)

    assert refused.value.code == "reserved_handle"
    assert not Member.objects.exists()


def test_handle_loses_its_leading_at_and_spaces():
    assert normalize_handle("  @Amine_B ") == "Amine_B"
    assert create("@Amine_B").handle == "Amine_B"
    assert Member.objects.get_by_natural_key("@amine_b").handle == "Amine_B"


def test_handle_keeps_its_case_as_typed():
    assert str(create("TwittoMa")) == "@TwittoMa"


def test_handles_are_unique_without_regard_to_case_in_the_database():
    create("amine")

    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.create(handle="Amine")

    assert Member.objects.filter(handle__iexact="amine").count() == 1


def test_handle_uniqueness_is_reported_on_the_form_field():
    create("amine")

    with pytest.raises(ValidationError) as refused:
        Member(handle="@AMINE").full_clean()

    assert "handle" in refused.value.message_dict


def test_member_may_keep_their_own_handle_on_edit():
    member = create("amine")
    member.full_clean()


# --- emails ---------------------------------------------------------------------------


def test_email_is_optional_for_several_members():
    first = create("first_one")
    second = create("second_one", email="")
    third = Member.objects.create(handle="third_one", email="")

    assert [first.email, second.email, third.email] == [None, None, None]
    assert Member.objects.filter(email__isnull=True).count() == 3


def test_email_is_stored_lowercase():
    assert create("amine", email="Amine.B@Example.ORG").email == "amine.b@example.org"


def test_emails_are_unique_without_regard_to_case_in_the_database():
    create("amine", email="amine@example.org")

    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.create(handle="someone_else", email="AMINE@Example.org")

    assert Member.objects.count() == 1


def test_email_uniqueness_is_reported_on_the_form_field():
    create("amine", email="amine@example.org")

    with pytest.raises(ValidationError) as refused:
        Member(handle="someone_else", email="Amine@example.org").full_clean()

    assert "email" in refused.value.message_dict


# --- passwords and logging in ---------------------------------------------------------


def test_passwords_are_hashed_with_argon2():
    member = create("amine")

    assert member.password.startswith("argon2")
    assert PASSWORD not in member.password
    assert member.check_password(PASSWORD)


@pytest.mark.parametrize("identifier", ["amine_b", "Amine_B", "AMINE_B", "@amine_b", " @Amine_B "])
def test_member_logs_in_with_the_handle_in_any_case(identifier):
    member = create("Amine_B", email="amine@example.org")

    assert authenticate(login_request(), username=identifier, password=PASSWORD) == member


@pytest.mark.parametrize("identifier", ["amine@example.org", "AMINE@Example.ORG", " amine@example.org "])
def test_member_logs_in_with_the_email(identifier):
    member = create("Amine_B", email="amine@example.org")

    assert authenticate(login_request(), username=identifier, password=PASSWORD) == member


def test_wrong_password_does_not_log_in():
    create("amine", email="amine@example.org")

    assert authenticate(login_request(), username="amine", password="not-the-password") is None
    assert authenticate(login_request(), username="amine@example.org", password="not-the-password") is None


def test_unknown_identifier_does_not_log_in():
    create("amine")

    assert authenticate(login_request(), username="nobody", password=PASSWORD) is None
    assert authenticate(login_request(), username="nobody@example.org", password=PASSWORD) is None


def test_member_without_email_logs_in_with_the_handle_only():
    member = create("amine")

    assert authenticate(login_request(), username="amine", password=PASSWORD) == member
    assert authenticate(login_request(), username="", password=PASSWORD) is None


def test_deactivated_member_cannot_log_in():
    member = create("amine", email="amine@example.org")
    member.is_active = False
    member.save()

    assert authenticate(login_request(), username="amine", password=PASSWORD) is None
    assert authenticate(login_request(), username="amine@example.org", password=PASSWORD) is None
