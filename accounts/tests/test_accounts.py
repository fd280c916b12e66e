"""Signing up with a handle, logging in with a handle or an email, and the public profile."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Member
from accounts.tests.factories import PASSWORD, MemberFactory
from donations.models import Pledge
from donations.tests.factories import NeedFactory, PledgeFactory
from projects.models import Project
from projects.tests.factories import ProjectFactory

NEW_PASSWORD = "un-mot-de-passe-long"
SIGNUP_URL = reverse("accounts:signup")
LOGIN_URL = reverse("accounts:login")


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def signup(client, handle, email="", next_url=None):
    data = {"handle": handle, "email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    url = SIGNUP_URL if next_url is None else f"{SIGNUP_URL}?next={next_url}"
    return client.post(url, data)


def logged_in_member(client):
    return client.get(reverse("pages:home")).wsgi_request.user


@pytest.mark.django_db
def test_signup_with_handle_only_logs_in_and_goes_home_through_her_recovery_codes(client):
    response = signup(client, "Nouvelle_Twitta")

    assert response.status_code == 302
    assert response.url == reverse("accounts:recovery_codes")
    assert f'href="{reverse("pages:home")}"' in client.get(response.url).content.decode()
    member = Member.objects.get()
    assert member.handle == "Nouvelle_Twitta"
    assert member.email is None
    assert member.check_password(NEW_PASSWORD)
    assert logged_in_member(client) == member


@pytest.mark.django_db
def test_signup_form_says_the_email_is_optional_and_private(client):
    response = client.get(SIGNUP_URL)

    content = response.content.decode()
    assert 'name="email"' in content
    assert "optional" in content
    assert "never shown" in content


@pytest.mark.django_db
def test_signup_strips_the_leading_at_of_the_handle(client):
    signup(client, "@aghbar_warm")

    assert Member.objects.get().handle == "aghbar_warm"


@pytest.mark.django_db
def test_signup_refuses_a_handle_taken_in_another_case(client):
    MemberFactory(handle="Tighzit")

    response = signup(client, "@tighZIT")

    assert response.status_code == 200
    assert "handle" in response.context["form"].errors
    assert Member.objects.count() == 1


@pytest.mark.parametrize("handle", ["admin", "@Admin", "Anonymous", "tiwizi"])
@pytest.mark.django_db
def test_signup_refuses_reserved_handles(client, handle):
    response = signup(client, handle)

    assert response.context["form"].errors["handle"]
    assert not Member.objects.exists()


@pytest.mark.parametrize("handle", ["ab", "@ab", "a" * 31, "with space", "é_accent", "dash-ed", ""])
@pytest.mark.django_db
def test_signup_refuses_handles_that_are_too_short_too_long_or_not_plain(client, handle):
    response = signup(client, handle)

    assert response.context["form"].errors["handle"]
    assert not Member.objects.exists()


@pytest.mark.django_db
def test_signup_accepts_the_longest_handle_with_an_at(client):
    signup(client, "@" + "b" * 30)

    assert Member.objects.get().handle == "b" * 30


@pytest.mark.django_db
def test_signup_refuses_mismatched_passwords(client):
    response = client.post(
        SIGNUP_URL, {"handle": "mismatch", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"}
    )

    assert response.context["form"].errors["password2"]
    assert not Member.objects.exists()


@pytest.mark.django_db
def test_signup_goes_to_a_safe_next_page(client):
    project = ProjectFactory()

    response = signup(client, "follower", email="follower@private.example", next_url=project.get_absolute_url())

    assert response.url == project.get_absolute_url()


@pytest.mark.django_db
def test_signup_without_email_goes_to_a_safe_next_page_after_the_recovery_codes(client):
    project = ProjectFactory()

    response = signup(client, "follower", next_url=project.get_absolute_url())

    assert response.url.startswith(reverse("accounts:recovery_codes") + "?next=")
    assert f'href="{project.get_absolute_url()}"' in client.get(response.url).content.decode()


@pytest.mark.django_db
def test_signup_ignores_a_next_page_on_another_site(client):
    response = signup(client, "follower", email="follower@private.example", next_url="https://evil.example/steal")

    assert response.url == reverse("pages:home")
    assert signup(client, "follower_2", next_url="https://evil.example/steal").url == reverse("accounts:recovery_codes")


@pytest.mark.django_db
def test_login_form_asks_for_handle_or_email(client):
    response = client.get(LOGIN_URL)

    assert "Handle or email" in response.content.decode()
    assert set(response.context["form"].fields) == {"username", "password"}


@pytest.mark.parametrize("identifier", ["Tighzit_lead", "@tighzit_LEAD", "Lead@Private.example"])
@pytest.mark.django_db
def test_login_with_handle_or_email(client, identifier):
    member = MemberFactory(handle="Tighzit_lead", email="lead@private.example")

    response = client.post(LOGIN_URL, {"username": identifier, "password": PASSWORD})

    assert response.status_code == 302
    assert logged_in_member(client) == member


@pytest.mark.django_db
def test_login_with_a_wrong_password_fails(client):
    MemberFactory(handle="Tighzit_lead")

    response = client.post(LOGIN_URL, {"username": "Tighzit_lead", "password": "wrong"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not logged_in_member(client).is_authenticated


@pytest.mark.django_db
def test_logout_is_a_post(client, login):
    member = MemberFactory()
    login(member)

    assert client.get(reverse("accounts:logout")).status_code == 405
    assert logged_in_member(client) == member

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert not logged_in_member(client).is_authenticated


@pytest.fixture
def donor_with_pledges():
    donor = MemberFactory(handle="generous", email="generous@private.example")
    project = ProjectFactory(title="Classe de Tighzit")
    blankets = NeedFactory(project=project, label="blankets")
    cement = NeedFactory(project=project, label="cement bags", unit="sac")
    PledgeFactory(need=blankets, donor=donor, quantity=Decimal("12"))
    PledgeFactory(need=cement, donor=donor, quantity=Decimal("7"), visibility=Pledge.Visibility.ANONYMOUS)
    return donor


@pytest.mark.django_db
def test_profile_shows_public_pledges_but_not_anonymous_ones(client, donor_with_pledges):
    response = client.get(reverse("pages:profile", kwargs={"handle": "generous"}))

    content = response.content.decode()
    assert response.status_code == 200
    assert "@generous" in content
    assert "blankets" in content
    assert "12 pièce" in content
    assert "cement bags" not in content
    assert "7 sac" not in content
    assert [pledge.need.label for pledge in response.context["pledges"]] == ["blankets"]


@pytest.mark.django_db
def test_profile_hides_anonymous_pledges_even_from_their_donor(client, login, donor_with_pledges):
    login(donor_with_pledges)

    response = client.get(donor_with_pledges.get_absolute_url())

    assert "cement bags" not in response.content.decode()
    assert reverse("pages:my_pledges") in response.content.decode()


@pytest.mark.django_db
def test_profile_hides_cancelled_pledges(client, donor_with_pledges):
    Pledge.objects.filter(need__label="blankets").update(status=Pledge.Status.CANCELLED)

    response = client.get(donor_with_pledges.get_absolute_url())

    assert "blankets" not in response.content.decode()


@pytest.mark.django_db
def test_profile_never_shows_the_email(client, login, donor_with_pledges):
    for viewer in (None, donor_with_pledges, MemberFactory(email="viewer@private.example")):
        client.logout()
        if viewer:
            login(viewer)
        response = client.get(donor_with_pledges.get_absolute_url())
        assert response.status_code == 200
        assert b"generous@private.example" not in response.content
        assert b"private.example" not in response.content


@pytest.mark.django_db
def test_profile_shows_member_since(client):
    member = MemberFactory(handle="old_timer")
    Member.objects.filter(pk=member.pk).update(date_joined="2020-03-15T10:00:00Z")

    response = client.get(member.get_absolute_url())

    assert "2020" in response.content.decode()


@pytest.mark.django_db
def test_profile_of_an_unknown_handle_is_404(client):
    assert client.get("/@nobody_here").status_code == 404


@pytest.mark.django_db
def test_profile_handle_is_case_insensitive_and_redirects_to_its_spelling(client):
    MemberFactory(handle="Tighzit")

    response = client.get("/@tighzit")

    assert response.status_code == 301
    assert response.url == "/@Tighzit"


@pytest.mark.django_db
def test_profile_lists_led_projects_with_drafts_only_for_who_may_see_them(client, login):
    lead = MemberFactory(handle="lead")
    ProjectFactory(title="Open classroom", created_by=lead)
    ProjectFactory(title="Secret draft", created_by=lead, status=Project.Status.DRAFT)

    anonymous_titles = [project.title for project in client.get(lead.get_absolute_url()).context["projects"]]
    login(MemberFactory())
    other_titles = [project.title for project in client.get(lead.get_absolute_url()).context["projects"]]
    login(lead)
    own_response = client.get(lead.get_absolute_url())

    assert anonymous_titles == ["Open classroom"]
    assert other_titles == ["Open classroom"]
    assert [project.title for project in own_response.context["projects"]] == ["Secret draft", "Open classroom"]
    assert "Secret draft" in own_response.content.decode()
