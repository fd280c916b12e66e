"""Look-alike handles (trust and safety review, issue 11): `Iead_tighzit` with a capital i,
`rnoderatrice`, `tiwizl_admin` were accepted. Handles are compared on a confusable skeleton
(accounts/handles.py): refused when they look like a member's, a reserved handle, or the name
of the site or its staff."""

import tomllib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts import services
from accounts.handles import CONFUSABLES, STAFF_NAMES, handle_skeleton, impersonated_staff_name
from accounts.models import Member, validate_handle
from accounts.tests.factories import MemberFactory
from core.errors import DomainError
from core.tests.concurrency import run_together

PASSWORD = "un-mot-de-passe-long"
DEMO = Path(__file__).resolve().parents[2] / "demo" / "demo.toml"


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def signup(client, handle):
    return client.post(reverse("accounts:signup"), {"handle": handle, "password1": PASSWORD, "password2": PASSWORD})


def handle_errors(response):
    return response.context["form"].errors.get("handle", [])


def test_the_vendored_table_is_unicode_s_for_the_characters_of_a_handle():
    assert CONFUSABLES == {"0": "O", "1": "l", "I": "l", "m": "rn"}


@pytest.mark.parametrize(
    ("handle", "look_alike"),
    [
        ("Iead_tighzit", "lead_tighzit"),  # capital i, small L
        ("1ead_tighzit", "lead_tighzit"),
        ("iead_tighzit", "lead_tighzit"),  # i is I in another case
        ("rnoderatrice", "moderatrice"),
        ("MODERATRICE", "moderatrice"),
        ("m0deratrice", "moderatrice"),
        ("tiwizl", "tiwizi"),
        ("vvafa", "wafa"),
        ("ahrned", "ahmed"),
        ("ahmecl", "ahmed"),
    ],
)
def test_look_alikes_share_a_skeleton(handle, look_alike):
    assert handle_skeleton(handle) == handle_skeleton(look_alike)


@pytest.mark.parametrize(("one", "other"), [("amine", "amina"), ("nadia", "naida"), ("lead_1", "lead_2")])
def test_handles_that_do_not_look_alike_keep_their_own_skeleton(one, other):
    assert handle_skeleton(one) != handle_skeleton(other)


@pytest.mark.django_db
def test_the_database_computes_the_same_skeleton_as_python():
    handles = ["Iead_Tighzit", "MODERATRICE", "w0rld_1", "Dd_Ww_Mm", "tiwizl_ADMIN", "___", "Zz9"]
    for handle in handles:
        Member.objects.create(handle=handle)

    stored = dict(Member.objects.values_list("handle", "handle_skeleton"))

    assert stored == {handle: handle_skeleton(handle) for handle in handles}


@pytest.mark.django_db
def test_the_database_refuses_a_look_alike_of_a_member_s_handle():
    Member.objects.create(handle="lead_tighzit")

    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.create(handle="Iead_tighzit")

    assert list(Member.objects.values_list("handle", flat=True)) == ["lead_tighzit"]


@pytest.mark.parametrize("handle", ["Iead_tighzit", "LEAD_TIGHZIT", "1ead_tighzlt", "@lead_tighzit"])
@pytest.mark.django_db
def test_signup_refuses_a_look_alike_of_a_member_and_names_it(client, handle):
    MemberFactory(handle="lead_tighzit")

    response = signup(client, handle)

    assert response.status_code == 200
    errors = handle_errors(response)
    assert errors
    assert "already taken" in errors[0] or "@lead_tighzit" in errors[0]
    assert list(Member.objects.values_list("handle", flat=True)) == ["lead_tighzit"]


@pytest.mark.parametrize(
    "handle", ["rnoderatrice", "moderateur_fes", "tiwizl_admin", "Tiwizi_Support", "adm1n_twittoma", "MODERATION"]
)
@pytest.mark.django_db
def test_signup_refuses_a_handle_that_looks_like_the_site_or_its_staff(client, handle):
    response = signup(client, handle)

    assert "staff" in handle_errors(response)[0]
    assert not Member.objects.exists()


@pytest.mark.parametrize("handle", ["adrnin", "supp0rt", "ANONYMOUS", "rne", "deleted_3f9a0c2b7d41", "de1eted_x"])
def test_look_alikes_of_reserved_handles_are_refused_everywhere(handle):
    with pytest.raises(ValidationError) as refused:
        validate_handle(handle)

    assert refused.value.code == "reserved_handle"


@pytest.mark.parametrize("handle", ["amine_tw", "supporter_aghbar", "modou_lome", "khadija_m", "lead_lome"])
@pytest.mark.django_db
def test_ordinary_handles_are_still_accepted(client, handle):
    response = signup(client, handle)

    assert response.status_code == 302
    assert Member.objects.get().handle == handle


def test_staff_names_are_caught_inside_a_handle_in_any_disguise():
    assert {impersonated_staff_name(name.upper()) for name in STAFF_NAMES} == set(STAFF_NAMES)
    assert impersonated_staff_name("the_tlvvlzl_team") == "tiwizi"
    assert impersonated_staff_name("amine_tw") is None


def test_the_demo_s_handles_are_valid_and_none_looks_like_another():
    handles = list(tomllib.loads(DEMO.read_text(encoding="utf-8"))["members"])
    for handle in handles:
        validate_handle(handle)

    assert len({handle_skeleton(handle) for handle in handles}) == len(handles)


@pytest.mark.django_db
def test_operators_may_still_create_staff_accounts():
    """The demo's superuser and moderator are created by the loader (as by createsuperuser): the
    staff-name rule is the sign-up form's."""
    Member.objects.create_superuser("tiwizi_admin", None)
    Member.objects.create_user("moderatrice", None)

    assert Member.objects.count() == 2


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_look_alikes_signing_up_at_once_cannot_both_succeed():
    """Both passed the form's check; the unique constraint on the skeleton decides. A third
    sign-up holds the original handle uncommitted, so that both workers wait on the constraint
    together (PostgreSQL shows them blocked) before it rolls back."""
    outcomes = run_together(
        {
            "capital i": lambda: services.member_sign_up(handle="Iead_tighzit", password=PASSWORD),
            "digit one": lambda: services.member_sign_up(handle="1ead_tighzit", password=PASSWORD),
        },
        holding=lambda: Member.objects.create(handle="lead_tighzit"),
    )

    kinds = sorted(kind for kind, _result in outcomes.values())
    assert kinds == ["ok", "refused"]
    refused = next(result for kind, result in outcomes.values() if kind == "refused")
    assert isinstance(refused, DomainError)
    assert refused.field == "handle"
    assert Member.objects.count() == 1
