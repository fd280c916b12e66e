"""What moderation hides, on what a project publishes: a hidden update leaves its page, the
timeline, the feeds and the emails not yet sent; a hidden project's feed, badge, card and report
are 404s to the public. The leads and the community's moderators still see it, marked hidden."""

from decimal import Decimal

import pytest
from django.core import mail

from accounts.tests.factories import MemberFactory
from core.tests.hiding import REASON, hide
from donations.tests.factories import NeedFactory, PledgeFactory
from projects.tests.factories import CommunityFactory, ProjectFactory, make_moderator
from publishing.models import UpdateEmail
from publishing.update_emails import pending_count, send_one, send_pending
from publishing.updates import update_create

HIDDEN_NOTICE = f"Hidden from the public: {REASON}"


@pytest.fixture(autouse=True)
def site(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def project(db):
    project = ProjectFactory(community=CommunityFactory(slug="twittoma"), slug="tighzit", title="Classe de Tighzit")
    NeedFactory(project=project, cash=True, target_quantity=Decimal("1000"))
    return project


@pytest.fixture
def lead(project):
    return project.created_by


@pytest.fixture
def supporter(project):
    return PledgeFactory(need=project.needs.get(), quantity=Decimal("100"), channel="bank_transfer").donor


def publish(project, lead, title):
    return update_create(project=project, actor=lead, title=title, body=f"Le texte de « {title} ».", publish=True)


def viewers(project, supporter):
    return {
        "anonymous": None,
        "member": MemberFactory(),
        "supporter": supporter,
        "lead": project.created_by,
        "moderator": make_moderator(project.community),
        "other_moderator": make_moderator(CommunityFactory()),
    }


@pytest.mark.django_db
def test_a_hidden_update_is_a_404_except_to_the_leads_and_moderators_who_see_why(client, project, lead, supporter):
    update = hide(publish(project, lead, "Chantier en retard"))
    url = update.get_absolute_url()

    for name, viewer in viewers(project, supporter).items():
        if viewer is not None:
            client.force_login(viewer)
        response = client.get(url)
        page = client.get(project.get_absolute_url()).content.decode()
        if name in ("lead", "moderator"):
            assert response.status_code == 200, name
            assert HIDDEN_NOTICE in response.content.decode()
            assert "Chantier en retard" in page and HIDDEN_NOTICE in page, name
        else:
            assert response.status_code == 404, name
            assert "Chantier en retard" not in page, name
        client.logout()
    client.force_login(lead)
    assert HIDDEN_NOTICE in client.get("/p/tighzit/manage/updates/").content.decode()


@pytest.mark.django_db
def test_a_hidden_update_leaves_the_project_and_community_feeds(client, project, lead):
    publish(project, lead, "Les murs sont montés")
    hide(publish(project, lead, "Chantier en retard"))

    for url in ("/p/tighzit/feed.atom", "/c/twittoma/feed.atom"):
        feed = client.get(url).content.decode()
        assert "Les murs sont montés" in feed, url
        assert "Chantier en retard" not in feed, url


@pytest.mark.django_db
def test_a_hidden_project_leaves_the_community_feed_and_its_own_is_a_404(client, project, lead):
    other = ProjectFactory(community=project.community, slug="aghbar")
    publish(other, other.created_by, "Couvertures arrivées")
    publish(project, lead, "Les murs sont montés")
    hide(project)

    feed = client.get("/c/twittoma/feed.atom").content.decode()
    assert "Couvertures arrivées" in feed
    assert "Les murs sont montés" not in feed and "Classe de Tighzit" not in feed
    assert client.get("/p/tighzit/feed.atom").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["badge.svg", "card.png", "report.pdf", "expenses/"])
def test_a_hidden_project_s_sharing_surfaces_are_its_leads_and_moderators_only(client, project, lead, path):
    hide(project)
    url = f"/p/tighzit/{path}"

    assert client.get(url).status_code == 404
    client.force_login(MemberFactory())
    assert client.get(url).status_code == 404
    for viewer in (lead, make_moderator(project.community)):
        client.force_login(viewer)
        response = client.get(url)
        assert response.status_code == 200
        # Never kept by a shared cache, which would then serve it to anyone.
        assert "public" not in response.get("Cache-Control", "")


@pytest.mark.django_db
def test_an_unsubscribe_link_without_a_valid_token_does_not_name_a_hidden_project(client, project):
    assert client.get("/p/tighzit/unsubscribe/nonsense/").status_code == 400
    hide(project)
    assert client.get("/p/tighzit/unsubscribe/nonsense/").status_code == 404


@pytest.mark.django_db
def test_the_emails_of_an_update_hidden_before_they_went_are_not_sent(project, lead, supporter):
    update = publish(project, lead, "Chantier en retard")
    assert UpdateEmail.objects.filter(update=update, status=UpdateEmail.Status.PENDING).count() == 1
    hide(update)

    assert pending_count() == 0
    assert send_pending() == {"sent": 0, "failed": 0}
    email = UpdateEmail.objects.get(update=update)
    # Claimed by a worker that read the row before the update was hidden: given back untouched.
    assert send_one(email.pk) is None
    email.refresh_from_db()
    assert (email.status, email.attempts) == (UpdateEmail.Status.PENDING, 0)
    assert mail.outbox == []

    # A moderator restores it: the emails go after all.
    update.hidden_at = None
    update.save(update_fields=["hidden_at"])
    assert send_pending() == {"sent": 1, "failed": 0}
    assert [message.to for message in mail.outbox] == [[supporter.email]]
