"""Milestones: leads add them at the end, reorder them, mark them done with a date and evidence;
done puts exactly one entry on the timeline, a correction takes it away; nobody else writes."""

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts.tests.factories import MemberFactory
from core.errors import DomainError, NotAllowed
from projects.models import Project
from projects.tests.factories import ProjectFactory, make_moderator
from publishing.milestones import milestone_create, milestone_reorder, milestone_update
from publishing.models import Milestone, Photo, TimelineEntry
from publishing.tests.factories import MilestoneFactory

pytestmark = pytest.mark.django_db

DONE = Milestone.Status.DONE


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def project():
    return ProjectFactory()


@pytest.fixture
def lead(project):
    return project.created_by


def update(milestone, actor, **changes):
    fields = {
        "title": milestone.title,
        "description": milestone.description,
        "target_date": milestone.target_date,
        "status": milestone.status,
        "evidence_note": milestone.evidence_note,
    }
    return milestone_update(milestone=milestone, actor=actor, **{**fields, **changes})


def titles(project):
    return list(Milestone.objects.filter(project=project).values_list("title", flat=True))


def jpeg(name="roof.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def test_milestones_are_added_at_the_end_in_order(project, lead):
    first = milestone_create(project=project, actor=lead, title="  Terrain obtenu ", target_date=date(2027, 3, 1))
    second = milestone_create(project=project, actor=lead, title="Équipement réuni", description="Tables, bancs")

    assert (first.position, second.position) == (0, 1)
    assert titles(project) == ["Terrain obtenu", "Équipement réuni"]
    assert first.status == Milestone.Status.PLANNED
    assert first.target_date == date(2027, 3, 1)
    assert not TimelineEntry.objects.exists()


def test_a_milestone_needs_a_title(project, lead):
    with pytest.raises(DomainError) as error:
        milestone_create(project=project, actor=lead, title="   ")
    assert error.value.field == "title"
    assert not Milestone.objects.exists()


def test_reorder_rewrites_every_position(project, lead):
    first, second, third = (milestone_create(project=project, actor=lead, title=title) for title in "ABC")

    milestone_reorder(project=project, actor=lead, ordered_ids=[third.pk, first.pk, second.pk])

    assert titles(project) == ["C", "A", "B"]
    assert list(Milestone.objects.filter(project=project).values_list("position", flat=True)) == [0, 1, 2]


@pytest.mark.parametrize("which", ["missing one", "twice", "from another project", "not a number"])
def test_reorder_refuses_ids_that_are_not_exactly_the_projects_milestones(project, lead, which):
    first, second = (milestone_create(project=project, actor=lead, title=title) for title in "AB")
    elsewhere = MilestoneFactory()
    ordered_ids = {
        "missing one": [second.pk],
        "twice": [second.pk, first.pk, first.pk],
        "from another project": [second.pk, first.pk, elsewhere.pk],
        "not a number": [second.pk, "first"],
    }[which]

    with pytest.raises(DomainError):
        milestone_reorder(project=project, actor=lead, ordered_ids=ordered_ids)
    assert titles(project) == ["A", "B"]


def test_done_sets_the_date_and_creates_one_timeline_entry(project, lead):
    milestone = milestone_create(project=project, actor=lead, title="Toit posé")

    done = update(milestone, lead, status=DONE, evidence_note="Vérifié par le maire")
    assert (done.status, done.done_on, done.evidence_note) == (DONE, timezone.localdate(), "Vérifié par le maire")
    # Saved again, still done: no second entry.
    update(done, lead, status=DONE, title="Toit posé et étanche")

    entry = TimelineEntry.objects.get(milestone=milestone)
    assert entry.kind == TimelineEntry.Kind.MILESTONE
    assert entry.project == project
    assert timezone.localtime(entry.at).date() == timezone.localdate()
    assert Milestone.objects.get(pk=milestone.pk).done_on == timezone.localdate()


def test_done_on_a_past_date_puts_the_entry_at_that_date_and_refuses_the_future(project, lead):
    milestone = milestone_create(project=project, actor=lead, title="Puits creusé")
    last_week = timezone.localdate() - timedelta(days=7)

    with pytest.raises(DomainError) as error:
        update(milestone, lead, status=DONE, done_on=timezone.localdate() + timedelta(days=1))
    assert error.value.field == "done_on"
    assert Milestone.objects.get(pk=milestone.pk).status == Milestone.Status.PLANNED

    update(milestone, lead, status=DONE, done_on=last_week)
    entry = TimelineEntry.objects.get(milestone=milestone)
    assert timezone.localtime(entry.at).date() == last_week
    # Correcting the date moves the entry; it does not add one.
    update(Milestone.objects.get(pk=milestone.pk), lead, status=DONE, done_on=last_week - timedelta(days=1))
    assert timezone.localtime(TimelineEntry.objects.get(milestone=milestone).at).date() == last_week - timedelta(days=1)


def test_leaving_done_is_a_correction_that_clears_the_date_and_the_entry(project, lead):
    milestone = milestone_create(project=project, actor=lead, title="Toit posé")
    update(milestone, lead, status=DONE)

    back = update(Milestone.objects.get(pk=milestone.pk), lead, status=Milestone.Status.IN_PROGRESS)

    assert (back.status, back.done_on) == (Milestone.Status.IN_PROGRESS, None)
    assert not TimelineEntry.objects.filter(milestone=milestone).exists()
    # Done again later: announced again, once.
    update(back, lead, status=DONE)
    assert TimelineEntry.objects.filter(milestone=milestone).count() == 1


def test_evidence_photos_are_attached_with_the_update(project, lead):
    milestone = milestone_create(project=project, actor=lead, title="Salle équipée")

    update(milestone, lead, status=DONE, photos=[jpeg("a.jpg"), jpeg("b.jpg")])

    assert Photo.objects.filter(milestone=milestone).count() == 2


def test_a_bad_evidence_file_saves_nothing(project, lead):
    milestone = milestone_create(project=project, actor=lead, title="Salle équipée")
    not_an_image = SimpleUploadedFile("roof.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")

    with pytest.raises(DomainError):
        update(milestone, lead, status=DONE, photos=[jpeg(), not_an_image])

    milestone.refresh_from_db()
    assert milestone.status == Milestone.Status.PLANNED
    assert not Photo.objects.exists()
    assert not TimelineEntry.objects.exists()


@pytest.mark.parametrize("who", ["donor", "moderator", "anonymous"])
def test_only_leads_write_milestones(project, lead, who):
    from django.contrib.auth.models import AnonymousUser

    actor = {"donor": MemberFactory(), "moderator": make_moderator(project.community), "anonymous": AnonymousUser()}[
        who
    ]
    milestone = milestone_create(project=project, actor=lead, title="A")
    milestone_create(project=project, actor=lead, title="B")

    with pytest.raises(NotAllowed):
        milestone_create(project=project, actor=actor, title="C")
    with pytest.raises(NotAllowed):
        update(milestone, actor, status=DONE)
    with pytest.raises(NotAllowed):
        milestone_reorder(project=project, actor=actor, ordered_ids=list(reversed(titles_ids(project))))
    assert titles(project) == ["A", "B"]
    assert not TimelineEntry.objects.exists()


def titles_ids(project):
    return list(Milestone.objects.filter(project=project).values_list("pk", flat=True))


def test_a_cancelled_projects_milestones_no_longer_change(project, lead):
    milestone = milestone_create(project=project, actor=lead, title="A")
    Project.objects.filter(pk=project.pk).update(status=Project.Status.CANCELLED)
    with pytest.raises(DomainError):
        update(milestone, lead, status=DONE)


# Pages


def test_a_lead_adds_edits_and_reorders_milestones_through_the_pages(client, login, project, lead):
    client = login(lead)
    list_url = reverse("publishing:milestones", args=[project.slug])
    assert list_url in client.get(reverse("pages:dashboard", args=[project.slug])).content.decode()

    for title in ("Terrain obtenu", "Équipement réuni"):
        answer = client.post(reverse("publishing:milestone_add", args=[project.slug]), {"title": title})
        assert answer.status_code == 302
    first, second = Milestone.objects.filter(project=project)

    answer = client.post(reverse("publishing:milestone_move", args=[project.slug, second.pk]), {"direction": "up"})
    assert answer.status_code == 302
    assert titles(project) == ["Équipement réuni", "Terrain obtenu"]

    edit_url = reverse("publishing:milestone_edit", args=[project.slug, first.pk])
    page = client.get(edit_url)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()
    answer = client.post(
        edit_url,
        {
            "title": "Terrain obtenu",
            "status": DONE,
            "done_on": (timezone.localdate() - timedelta(days=2)).isoformat(),
            "evidence_note": "Acte signé",
            "photos": [jpeg("a.jpg"), jpeg("b.jpg")],
        },
    )
    assert answer.status_code == 302
    first.refresh_from_db()
    assert (first.status, first.done_on, first.evidence_note) == (
        DONE,
        timezone.localdate() - timedelta(days=2),
        "Acte signé",
    )
    assert first.photos.count() == 2
    listing = client.get(list_url).content.decode()
    assert "2 photos" in listing


def test_the_edit_page_shows_a_bad_photo_as_a_form_error(client, login, project, lead):
    milestone = milestone_create(project=project, actor=lead, title="A")
    answer = login(lead).post(
        reverse("publishing:milestone_edit", args=[project.slug, milestone.pk]),
        {"title": "A", "status": DONE, "photos": [SimpleUploadedFile("x.jpg", b"nope", content_type="image/jpeg")]},
    )
    assert answer.status_code == 200
    assert answer.context["form"].errors
    milestone.refresh_from_db()
    assert milestone.status == Milestone.Status.PLANNED


def test_the_edit_page_refuses_a_future_date_done_with_a_message(client, login, project, lead):
    milestone = milestone_create(project=project, actor=lead, title="A")
    answer = login(lead).post(
        reverse("publishing:milestone_edit", args=[project.slug, milestone.pk]),
        {"title": "A", "status": DONE, "done_on": (timezone.localdate() + timedelta(days=3)).isoformat()},
    )
    assert answer.status_code == 200
    assert "cannot be in the future" in " ".join(answer.context["form"].errors["done_on"])


@pytest.mark.parametrize("who", ["donor", "moderator"])
def test_other_members_get_403_on_the_milestone_pages(client, login, project, lead, who):
    milestone = milestone_create(project=project, actor=lead, title="A")
    client = login({"donor": MemberFactory(), "moderator": make_moderator(project.community)}[who])
    assert client.get(reverse("publishing:milestones", args=[project.slug])).status_code == 403
    assert client.get(reverse("publishing:milestone_edit", args=[project.slug, milestone.pk])).status_code == 403
    answer = client.post(reverse("publishing:milestone_move", args=[project.slug, milestone.pk]), {"direction": "down"})
    assert answer.status_code == 403


def test_a_lead_of_another_project_cannot_reach_this_projects_milestone(client, login, project, lead):
    milestone = milestone_create(project=project, actor=lead, title="A")
    other = ProjectFactory()
    answer = login(other.created_by).get(reverse("publishing:milestone_edit", args=[other.slug, milestone.pk]))
    assert answer.status_code == 404
