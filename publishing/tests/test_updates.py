"""Updates: leads write drafts and publish them once (one timeline entry, one email per supporter);
edits never re-send; Markdown is sanitised; supporters-only updates are read by supporters, leads
and moderators only, on the pages and the timeline."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.tests.factories import MemberFactory
from core.errors import DomainError, NotAllowed
from donations.models import Pledge
from donations.tests.factories import NeedFactory, PledgeFactory
from projects.tests.factories import ProjectFactory, make_moderator
from publishing.models import Photo, TimelineEntry, Update, UpdateEmail
from publishing.updates import update_create, update_edit, update_publish

pytestmark = pytest.mark.django_db

SUPPORTERS = Update.Audience.SUPPORTERS
PUBLIC = Update.Audience.PUBLIC


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def project():
    return ProjectFactory(slug="tighzit")


@pytest.fixture
def lead(project):
    return project.created_by


@pytest.fixture
def supporter(project):
    pledge = PledgeFactory(need=NeedFactory(project=project), quantity=Decimal("3"))
    return pledge.donor


def jpeg(name="classe.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def write(project, lead, audience=PUBLIC, publish=False, body="Les murs sont **montés**."):
    return update_create(project=project, actor=lead, title="Les murs", body=body, audience=audience, publish=publish)


# Services ------------------------------------------------------------------------------------


def test_a_draft_has_no_date_no_entry_and_no_emails(project, lead, supporter):
    update = write(project, lead)
    assert update.published_at is None
    assert not TimelineEntry.objects.filter(update=update).exists()
    assert not UpdateEmail.objects.exists()


def test_publishing_twice_gives_one_entry_and_one_email_per_supporter(project, lead, supporter):
    update = write(project, lead, audience=SUPPORTERS)
    first = update_publish(update=update, actor=lead)
    published_at = first.published_at
    again = update_publish(update=update, actor=lead)
    assert again.published_at == published_at
    entry = TimelineEntry.objects.get(update=update)
    assert (entry.kind, entry.at, entry.supporters_only, entry.project_id) == ("update", published_at, True, project.pk)
    assert list(UpdateEmail.objects.values_list("member_id", "status")) == [(supporter.pk, "pending")]


def test_the_author_gets_no_email_of_their_own_update_even_as_a_supporter(project, lead, supporter):
    PledgeFactory(need=NeedFactory(project=project), donor=lead)
    write(project, lead, publish=True)
    assert list(UpdateEmail.objects.values_list("member_id", flat=True)) == [supporter.pk]


def test_editing_a_published_update_changes_its_text_and_entry_but_sends_nothing_again(project, lead, supporter):
    update = write(project, lead, publish=True)
    UpdateEmail.objects.update(status=UpdateEmail.Status.SENT)
    PledgeFactory(need=NeedFactory(project=project))  # a new supporter since: not emailed by an edit
    update_edit(update=update, actor=lead, title="Les murs (photos)", body="Corrigé", audience=SUPPORTERS)
    update.refresh_from_db()
    assert (update.title, update.body) == ("Les murs (photos)", "Corrigé")
    assert TimelineEntry.objects.get(update=update).supporters_only is True
    assert list(UpdateEmail.objects.values_list("member_id", "status")) == [(supporter.pk, "sent")]


@pytest.mark.parametrize("who", ["supporter", "moderator", "stranger"])
def test_only_leads_write_and_publish_updates(project, lead, supporter, who):
    actor = {"supporter": supporter, "moderator": make_moderator(project.community), "stranger": MemberFactory()}[who]
    with pytest.raises(NotAllowed):
        write(project, actor)
    draft = write(project, lead)
    with pytest.raises(NotAllowed):
        update_publish(update=draft, actor=actor)
    with pytest.raises(NotAllowed):
        update_edit(update=draft, actor=actor, title="x", body="y", audience=PUBLIC)
    draft.refresh_from_db()
    assert (draft.published_at, draft.title) == (None, "Les murs")


@pytest.mark.parametrize(
    ("title", "body", "audience", "field"),
    [("", "texte", PUBLIC, "title"), ("Titre", "   ", PUBLIC, "body"), ("Titre", "texte", "friends", "audience")],
)
def test_an_update_needs_a_title_a_text_and_a_known_audience(project, lead, title, body, audience, field):
    with pytest.raises(DomainError) as error:
        update_create(project=project, actor=lead, title=title, body=body, audience=audience)
    assert error.value.field == field
    assert not Update.objects.exists()


def test_markdown_is_rendered_and_scripts_are_removed(project, lead):
    update = write(project, lead, body="**Merci** <script>alert('x')</script> [lien](https://example.org)")
    html = str(update.body_html)
    assert "<strong>Merci</strong>" in html
    assert "<script" not in html and "alert" not in html
    assert 'rel="nofollow noopener noreferrer ugc"' in html


def test_photos_are_attached_in_the_same_transaction_and_a_bad_one_saves_nothing(project, lead):
    update = update_create(project=project, actor=lead, title="Photos", body="Voici", photos=[jpeg(), jpeg("b.jpg")])
    assert Photo.objects.filter(update=update).count() == 2
    bad = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    with pytest.raises(DomainError):
        update_create(project=project, actor=lead, title="Encore", body="Voici", photos=[jpeg(), bad])
    assert Update.objects.count() == 1 and Photo.objects.count() == 2


# Pages ---------------------------------------------------------------------------------------


def update_url(update):
    return reverse("publishing:update", args=[update.project.slug, update.pk])


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 404), ("stranger", 404), ("supporter", 200), ("lead", 200), ("moderator", 200)],
)
def test_a_supporters_only_update_is_read_by_supporters_leads_and_moderators_only(
    client, project, lead, supporter, who, status
):
    update = write(project, lead, audience=SUPPORTERS, publish=True)
    viewer = {
        "anonymous": None,
        "stranger": MemberFactory(),
        "supporter": supporter,
        "lead": lead,
        "moderator": make_moderator(project.community),
    }[who]
    if viewer is not None:
        client.force_login(viewer)
    response = client.get(update_url(update))
    assert response.status_code == status
    page = client.get(project.get_absolute_url()).content.decode()
    assert ("Les murs" in page) is (status == 200)
    assert ("<strong>montés</strong>" in page) is (status == 200)


def test_a_withdrawn_supporter_no_longer_reads_supporters_only_updates(client, project, lead, supporter):
    update = write(project, lead, audience=SUPPORTERS, publish=True)
    Pledge.objects.filter(donor=supporter).update(status=Pledge.Status.CANCELLED)
    client.force_login(supporter)
    assert client.get(update_url(update)).status_code == 404


def test_a_draft_is_shown_to_its_leads_only(client, project, lead, supporter):
    draft = write(project, lead)
    assert client.get(update_url(draft)).status_code == 404
    client.force_login(supporter)
    assert client.get(update_url(draft)).status_code == 404
    client.force_login(lead)
    response = client.get(update_url(draft))
    assert response.status_code == 200
    assert "A draft" in response.content.decode()


def test_the_public_page_shows_the_sanitised_text_and_the_photos(client, project, lead):
    update = update_create(
        project=project,
        actor=lead,
        title="Classe",
        body="Fini <script>alert(1)</script><img src=x onerror=alert(2)>",
        photos=[jpeg()],
        publish=True,
    )
    page = client.get(update_url(update)).content.decode()
    assert "Fini" in page
    assert "<script>alert(1)" not in page and "onerror" not in page
    assert Photo.objects.get(update=update).image.url in page


def test_the_timeline_shows_public_updates_with_text_and_photos_in_fixed_queries(
    client, project, lead, django_assert_max_num_queries
):
    for number in range(3):
        update_create(
            project=project, actor=lead, title=f"Nouvelle {number}", body="*ok*", photos=[jpeg()], publish=True
        )
    client.get(project.get_absolute_url())  # warm caches (site-wide, not per entry)
    with django_assert_max_num_queries(30) as captured:
        page = client.get(project.get_absolute_url()).content.decode()
    few = len(captured.captured_queries)
    for number in range(3, 12):
        update_create(
            project=project, actor=lead, title=f"Nouvelle {number}", body="*ok*", photos=[jpeg()], publish=True
        )
    with django_assert_max_num_queries(few):
        page = client.get(project.get_absolute_url()).content.decode()
    assert "Nouvelle 11" in page and "<em>ok</em>" in page
    assert page.count('class="timeline-photos"') >= 10


def test_a_lead_writes_a_draft_edits_it_and_publishes_it_through_the_pages(client, project, lead, supporter):
    client.force_login(lead)
    assert (
        client.get(reverse("pages:dashboard", args=[project.slug]))
        .content.decode()
        .count(reverse("publishing:updates_manage", args=[project.slug]))
    )
    response = client.post(
        reverse("publishing:update_add", args=[project.slug]),
        {"title": "Brouillon", "body": "À relire", "audience": PUBLIC, "photos": [jpeg()]},
    )
    assert response.status_code == 302
    update = Update.objects.get()
    assert update.published_at is None and update.photos.count() == 1
    response = client.post(
        reverse("publishing:update_edit", args=[project.slug, update.pk]),
        {"title": "Relu", "body": "Relu et corrigé", "audience": SUPPORTERS},
    )
    assert response.status_code == 302
    response = client.post(reverse("publishing:update_publish", args=[project.slug, update.pk]), follow=True)
    assert "1 supporter will receive it by email" in response.content.decode()
    update.refresh_from_db()
    assert (update.title, update.audience, update.published_at is not None) == ("Relu", SUPPORTERS, True)
    # A second click (another tab) publishes nothing more.
    client.post(reverse("publishing:update_publish", args=[project.slug, update.pk]))
    assert TimelineEntry.objects.filter(update=update).count() == 1
    assert UpdateEmail.objects.count() == 1
    listing = client.get(reverse("publishing:updates_manage", args=[project.slug])).content.decode()
    assert "Relu" in listing and "emails sent: 0 of 1" in listing


def test_publishing_from_the_new_update_page_and_form_errors(client, project, lead):
    client.force_login(lead)
    url = reverse("publishing:update_add", args=[project.slug])
    response = client.post(url, {"title": "", "body": "x", "audience": PUBLIC, "publish": "1"})
    assert response.status_code == 200 and not Update.objects.exists()
    bad = SimpleUploadedFile("x.jpg", b"nope", content_type="image/jpeg")
    response = client.post(url, {"title": "T", "body": "x", "audience": PUBLIC, "publish": "1", "photos": [bad]})
    assert response.status_code == 200 and not Update.objects.exists()
    response = client.post(url, {"title": "T", "body": "x", "audience": PUBLIC, "publish": "1"})
    assert response.status_code == 302
    assert Update.objects.get().published_at is not None


@pytest.mark.parametrize("who", ["supporter", "moderator", "stranger"])
def test_other_members_get_403_on_the_lead_update_pages(client, project, lead, supporter, who):
    draft = write(project, lead)
    viewer = {"supporter": supporter, "moderator": make_moderator(project.community), "stranger": MemberFactory()}[who]
    client.force_login(viewer)
    for name, args in [
        ("updates_manage", [project.slug]),
        ("update_add", [project.slug]),
        ("update_edit", [project.slug, draft.pk]),
    ]:
        assert client.get(reverse(f"publishing:{name}", args=args)).status_code == 403
    assert client.post(reverse("publishing:update_publish", args=[project.slug, draft.pk])).status_code == 403
    draft.refresh_from_db()
    assert draft.published_at is None


def test_a_lead_of_another_project_cannot_reach_this_projects_update(client, project, lead):
    draft = write(project, lead)
    other = ProjectFactory()
    client.force_login(other.created_by)
    assert client.get(reverse("publishing:update_edit", args=[other.slug, draft.pk])).status_code == 404
    assert client.post(reverse("publishing:update_publish", args=[other.slug, draft.pk])).status_code == 404
