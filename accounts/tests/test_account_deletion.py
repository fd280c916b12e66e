"""Delete my account (issue 11): "A deleted account leaves every total and receipt number
unchanged, and no public or API response names it."

The member of accounts/tests/privacy_world.py holds something in every app. Deleting her account
tombstones it, erases what is hers, keeps her gifts as anonymous rows and her receipts as issued;
then a crawl of the public pages and the API, as a visitor, a member and the project's lead,
finds neither her handle nor the tombstone.
"""

import pytest
from django.test import Client
from django.urls import reverse

from accounts import privacy
from accounts.handles import TOMBSTONE_PATTERN
from accounts.models import ApiToken, Member
from accounts.tests import privacy_world
from accounts.tests.factories import PASSWORD, MemberFactory
from core import rates
from core.errors import DomainError, NotAllowed
from donations.models import Pledge, PledgeEvent, Reception
from moderation.models import Flag
from pages.tests.test_hidden_content import crawl
from projects.models import Membership, Project
from projects.tests.factories import ProjectFactory
from publishing.models import UpdateEmail, UpdateEmailOptOut
from receipts.models import DonorTaxIdentity, Receipt

pytestmark = [pytest.mark.usefixtures("in_english"), pytest.mark.django_db]

OLD_HANDLE = privacy_world.HANDLE


@pytest.fixture(autouse=True)
def site(settings, tmp_path):
    """Files under a temporary root; the anonymous API rate out of the way of a crawl."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.API_RESPONSE_CACHE = True  # the crawl reads what the shared cache serves, as in production
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anonymous": "10000/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


@pytest.fixture
def world():
    return privacy_world.build_world()


def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def totals():
    """What the API and the project page count, for every project."""
    client = Client()
    figures = {}
    for project in Project.objects.order_by("slug"):
        detail = client.get(f"/api/v1/projects/{project.slug}/").json()
        page = client.get(project.get_absolute_url())
        figures[project.slug] = {
            "progress": detail["progress"],
            "needs": [
                {key: need[key] for key in ("id", "pledged", "received", "missing", "supporters")}
                for need in detail["needs"]
            ],
            "page": [(need.pk, need.pledged, need.received, need.supporters) for need in page.context["needs"]],
            "page supporters": len(page.context["supporters"]),
        }
    return figures


def receipts():
    return list(Receipt.objects.order_by("pk").values_list("number", "status", "snapshot", "pdf"))


def seeds(world):
    urls = ["/", "/c/twittoma/", "/c/twittoma/feed.atom", "/?q=nadia"]
    urls += ["/api/v1/projects/", "/api/v1/pledges/", "/api/v1/receptions/", "/api/v1/needs/", "/api/v1/communities/"]
    urls += ["/api/v1/communities/twittoma/", f"/@{OLD_HANDLE}", f"/api/v1/members/{OLD_HANDLE}/"]
    for project in (world.project, world.led_project):
        slug = project.slug
        urls += [f"/p/{slug}/", f"/p/{slug}/feed.atom", f"/p/{slug}/report.pdf", f"/p/{slug}/expenses/"]
        urls += [f"/api/v1/projects/{slug}/"]
        urls += [f"/api/v1/projects/{slug}/{path}/" for path in ("supporters", "updates", "pledges", "milestones")]
        urls += [f"/p/{slug}/updates/{update.pk}/" for update in project.updates.all()]
        urls += [f"/api/v1/pledges/{pledge.pk}/" for pledge in Pledge.objects.filter(need__project=project)]
    for member in Member.objects.exclude(pk=world.member.pk):
        urls += [f"/@{member.handle}", f"/api/v1/members/{member.handle}/"]
    return urls


def names_her(texts, tombstone):
    return sorted(url for url, text in texts.items() if OLD_HANDLE in text or tombstone in text or "deleted_" in text)


def test_a_deleted_account_leaves_every_total_and_receipt_number_unchanged_and_is_named_nowhere(
    world, django_capture_on_commit_callbacks
):
    before_totals, before_receipts = totals(), receipts()
    seen_before = crawl(Client(), seeds(world))
    # The crawl does see her before (and fills the API's response cache).
    assert len([url for url in seen_before if OLD_HANDLE in seen_before[url]]) > 5

    # After its commit, the deletion makes the cached responses that showed her stale.
    with django_capture_on_commit_callbacks(execute=True):
        erased = privacy.member_erase(member=world.member)

    assert totals() == before_totals
    assert receipts() == before_receipts
    viewers = {"anonymous": Client(), "member": Client(), "lead": Client(), "co-lead": Client()}
    viewers["member"].force_login(MemberFactory())
    viewers["lead"].force_login(world.lead)
    viewers["co-lead"].force_login(world.co_lead)
    for viewer, client in viewers.items():
        texts = crawl(client, seeds(world))
        assert len(texts) > 30, viewer
        assert names_her(texts, erased.handle) == [], viewer
    # Her gifts still show, as anonymous, on the project's supporters; her update, signed so.
    supporters = Client().get("/api/v1/projects/tighzit/supporters/").json()["results"]
    assert sorted(str(row["donor"]) for row in supporters) == ["None", "None", "None", "amine_tw"]
    update_page = english(Client()).get(f"/p/aghbar/updates/{world.update.pk}/").content.decode()
    assert "by a deleted member" in update_page


def test_her_profile_is_gone(world):
    privacy.member_erase(member=world.member)

    assert Client().get(f"/@{OLD_HANDLE}").status_code == 404
    assert Client().get(f"/api/v1/members/{OLD_HANDLE}/").status_code == 404


def test_the_account_is_tombstoned_and_everything_hers_erased(world):
    member = world.member
    pledges_before = list(Pledge.objects.filter(donor=member).order_by("pk").values_list("pk", "quantity", "status"))
    receptions_before = Reception.objects.filter(pledge__donor=member).count()
    events_before = PledgeEvent.objects.filter(pledge__donor=member).count()

    privacy.member_erase(member=member)

    member.refresh_from_db()
    assert TOMBSTONE_PATTERN.match(member.handle)
    assert str(member) == "deleted member"
    assert (member.email, member.last_login) == (None, None)
    assert not member.is_active
    assert not member.has_usable_password()
    assert not ApiToken.objects.filter(member=member).exists()
    assert not DonorTaxIdentity.objects.filter(member=member).exists()
    assert not Membership.objects.filter(member=member).exists()
    assert not world.led_project.leads.filter(pk=member.pk).exists()
    assert list(world.led_project.leads.all()) == [world.co_lead]
    assert not UpdateEmailOptOut.objects.filter(member=member).exists()
    assert not UpdateEmail.objects.filter(member=member).exists()
    # Her gifts stay, counted as they were, anonymous and without her words.
    pledges = Pledge.objects.filter(donor=member).order_by("pk")
    assert list(pledges.values_list("pk", "quantity", "status")) == pledges_before
    assert set(pledges.values_list("visibility", "message")) == {(Pledge.Visibility.ANONYMOUS, "")}
    assert Reception.objects.filter(pledge__donor=member).count() == receptions_before
    assert PledgeEvent.objects.filter(pledge__donor=member).count() == events_before
    # Her receipt stays as issued, legal name and all; her report still counts.
    (receipt,) = Receipt.objects.filter(donor=member)
    assert receipt.snapshot["donor"]["legal_name"] == privacy_world.LEGAL_NAME
    assert Flag.objects.filter(reporter=member).count() == 1
    # The others' rows are untouched.
    assert Pledge.objects.get(donor=world.other).message == "Courage amine"
    assert world.moderator.memberships.exists()


def test_a_deleted_member_cannot_log_in_and_her_sessions_end(world):
    session = Client()
    session.force_login(world.member)
    assert session.get(reverse("accounts:account")).status_code == 200

    privacy.member_erase(member=world.member)

    assert session.get(reverse("accounts:account")).status_code == 302  # to the log-in page
    for identifier in (OLD_HANDLE, privacy_world.EMAIL, Member.objects.get(pk=world.member.pk).handle):
        response = Client().post(reverse("accounts:login"), {"username": identifier, "password": PASSWORD})
        assert response.status_code == 200, identifier
        assert not response.wsgi_request.user.is_authenticated


def test_nobody_may_sign_up_with_a_tombstone_but_the_old_handle_is_free_again(world):
    erased = privacy.member_erase(member=world.member)
    data = {"password1": "un-mot-de-passe-long", "password2": "un-mot-de-passe-long"}

    tombstone = english(Client()).post(reverse("accounts:signup"), {"handle": erased.handle, **data})
    again = english(Client()).post(reverse("accounts:signup"), {"handle": OLD_HANDLE, **data})

    assert "reserved" in tombstone.context["form"].errors["handle"][0]
    assert again.status_code == 302


def test_the_only_lead_of_a_running_project_may_not_delete_her_account(world):
    ProjectFactory(created_by=world.member, title="Bibliothèque d'Erfoud", status=Project.Status.DRAFT)
    before = Member.objects.filter(pk=world.member.pk).values().get()

    with pytest.raises(DomainError) as refused:
        privacy.member_erase(member=world.member)

    assert "only lead of “Bibliothèque d'Erfoud”" in refused.value.message
    assert Member.objects.filter(pk=world.member.pk).values().get() == before
    assert ApiToken.objects.filter(member=world.member).exists()
    assert DonorTaxIdentity.objects.filter(member=world.member).exists()
    assert world.led_project.leads.filter(pk=world.member.pk).exists()
    assert Pledge.objects.filter(donor=world.member, visibility=Pledge.Visibility.PUBLIC).exists()


def test_the_only_lead_of_a_finished_project_may_delete_her_account(world):
    finished = ProjectFactory(created_by=world.member, status=Project.Status.COMPLETED)

    privacy.member_erase(member=world.member)

    assert not finished.leads.exists()


def test_a_superuser_s_account_is_closed_in_the_admin_not_here():
    operator = MemberFactory(is_superuser=True, is_staff=True)

    with pytest.raises(NotAllowed):
        privacy.member_erase(member=operator)

    operator.refresh_from_db()
    assert operator.is_active


def test_deleting_twice_is_once(world):
    first = privacy.member_erase(member=world.member)
    second = privacy.member_erase(member=world.member)

    assert second.handle == first.handle


# --- the page ---------------------------------------------------------------------------------

URL = reverse("accounts:delete_account")


def test_the_page_asks_for_the_handle_and_the_password_and_says_what_stays(world):
    client = english(Client())
    client.force_login(world.member)

    page = client.get(URL).content.decode()

    assert 'name="handle"' in page and 'name="password"' in page
    assert "six years" in page
    assert reverse("accounts:my_data") in page


@pytest.mark.parametrize(
    ("handle", "password", "field"), [("amine_tw", PASSWORD, "handle"), (OLD_HANDLE, "wrong", "password")]
)
def test_a_wrong_handle_or_password_deletes_nothing(world, handle, password, field):
    client = english(Client())
    client.force_login(world.member)

    response = client.post(URL, {"handle": handle, "password": password})

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert Member.objects.get(pk=world.member.pk).handle == OLD_HANDLE


def test_the_refusal_of_the_only_lead_is_shown_on_the_page(world):
    ProjectFactory(created_by=world.member, title="Bibliothèque d'Erfoud")
    client = english(Client())
    client.force_login(world.member)

    response = client.post(URL, {"handle": f"@{OLD_HANDLE.upper()}", "password": PASSWORD})

    assert response.status_code == 400
    assert "only lead" in response.context["form"].non_field_errors()[0]
    assert Member.objects.get(pk=world.member.pk).is_active


def test_deleting_from_the_page_logs_out_and_says_so(world):
    client = english(Client())
    client.force_login(world.member)

    response = client.post(URL, {"handle": f"@{OLD_HANDLE}", "password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("pages:home")
    assert "Your account is deleted." in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated
    assert not Member.objects.filter(handle=OLD_HANDLE).exists()


def test_password_guesses_on_the_page_are_limited(world, settings, monkeypatch):
    """The limits' clock stopped ten minutes into an hour (the clock is the outside world), so
    the requests cannot straddle the end of a window."""
    monkeypatch.setattr(rates, "time", type("Clock", (), {"time": staticmethod(lambda: 1_800_000_600)}))
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup": "2/hour"}
    client = english(Client())
    client.force_login(world.member)

    guesses = [client.post(URL, {"handle": OLD_HANDLE, "password": guess}).status_code for guess in ("a", "b")]
    right = client.post(URL, {"handle": OLD_HANDLE, "password": PASSWORD})

    assert guesses == [400, 400]
    assert right.status_code == 429
    assert Member.objects.get(pk=world.member.pk).is_active
