"""Uploaded images lose their metadata (a phone photo's GPS position says where a pseudonymous
lead lives), are resized, and anything that is not a real image (or PDF, for scans) is refused
with a message that says what to send."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image
from pypdf import PdfWriter

from accounts.tests.factories import MemberFactory
from core import uploads
from core.errors import BadUpload, DomainError, NotAllowed
from projects.models import Project
from projects.tests.factories import CommunityFactory, ProjectFactory
from publishing.expenses import expense_record
from publishing.models import Expense, Photo
from publishing.photos import MAX_PHOTOS_PER_OWNER, photo_attach
from publishing.tests.factories import MilestoneFactory, UpdateFactory

GPS_IFD = 0x8825
ORIENTATION = 0x0112
NOT_AN_IMAGE = "This file is not an image we can read: send a JPEG, PNG or WebP photo."


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def jpeg_with_gps(size=(400, 300), orientation=None):
    """A JPEG as a phone saves it: camera make, GPS position (Tighzit), a comment."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 12"  # Model
    if orientation:
        exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (31.0, 7.0, 12.5)
    gps[3] = "W"
    gps[4] = (7.0, 58.0, 1.25)
    buffer = io.BytesIO()
    Image.new("RGB", size, (180, 70, 31)).save(buffer, format="JPEG", exif=exif, comment=b"home sweet home")
    data = buffer.getvalue()
    # The test would prove nothing if the position were not there to begin with.
    assert dict(Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD))[2] == (31.0, 7.0, 12.5)
    return data


def upload(data, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def text_renamed_jpg():
    return upload(b"Ceci n'est pas une photo, juste du texte.\n" * 20, name="photo.jpg")


def assert_no_metadata(stored_file):
    stored_file.open("rb")
    data = stored_file.read()
    stored_file.close()
    image = Image.open(io.BytesIO(data))
    assert dict(image.getexif()) == {}
    assert "exif" not in image.info
    assert "comment" not in image.info
    assert "xmp" not in image.info
    assert b"Exif" not in data
    assert b"PhoneMaker" not in data
    assert b"home sweet home" not in data
    return image


@pytest.fixture
def lead():
    return MemberFactory()


@pytest.fixture
def project(lead):
    return ProjectFactory(created_by=lead, slug="aghbar")


# --- Covers ------------------------------------------------------------------------------------


def proposal(community, cover):
    return {
        "community": community.slug,
        "title": "Vêtements chauds pour Aghbar",
        "country": "MA",
        "category": "education",
        "currency": "MAD",
        "cover_image": cover,
    }


@pytest.mark.django_db
def test_a_cover_uploaded_with_gps_exif_is_stored_without_it(client, login):
    login(MemberFactory())

    response = client.post(reverse("projects:create"), proposal(CommunityFactory(), upload(jpeg_with_gps())))

    assert response.status_code == 302
    project = Project.objects.get()
    assert project.cover_image.name.startswith("covers/")
    assert project.cover_image.name.endswith(".jpg")
    # A fresh random name: nothing of the phone's file name either.
    assert "photo" not in project.cover_image.name
    image = assert_no_metadata(project.cover_image)
    assert image.size == (400, 300)


@pytest.mark.django_db
def test_a_cover_replaced_by_a_lead_is_stripped_too(client, login, project, lead):
    login(lead)
    data = {
        "title": project.title,
        "country": "MA",
        "category": project.category,
        "currency": project.currency,
        "cover_image": upload(jpeg_with_gps()),
    }

    response = client.post(reverse("projects:edit", kwargs={"slug": project.slug}), data)

    assert response.status_code == 302
    project.refresh_from_db()
    assert_no_metadata(project.cover_image)


@pytest.mark.django_db
def test_a_text_file_renamed_jpg_is_refused_as_a_cover_with_a_clear_message(client, login):
    login(MemberFactory())

    response = client.post(reverse("projects:create"), proposal(CommunityFactory(), text_renamed_jpg()))

    assert response.status_code == 200
    assert response.context["form"].errors["cover_image"] == [NOT_AN_IMAGE]
    assert NOT_AN_IMAGE in response.content.decode()
    assert not Project.objects.exists()


@pytest.mark.django_db
def test_a_gif_passes_django_but_not_our_formats(client, login, media):
    """Django's ImageField accepts any format Pillow reads; covers are JPEG, PNG or WebP."""
    login(MemberFactory())
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10), (1, 2, 3)).save(buffer, format="GIF")

    response = client.post(
        reverse("projects:create"), proposal(CommunityFactory(), upload(buffer.getvalue(), "anim.gif", "image/gif"))
    )

    assert response.status_code == 200
    assert response.context["form"].errors["cover_image"] == [NOT_AN_IMAGE]
    assert not Project.objects.exists()
    assert not list(media.rglob("*.*"))


# --- Photos of updates and milestones ----------------------------------------------------------


@pytest.mark.django_db
def test_an_update_photo_comes_back_without_exif_and_upright(project, lead):
    update = UpdateFactory(project=project, author=lead)

    # Orientation 6: the phone was held upright, the sensor saved it lying on its side.
    photo = photo_attach(actor=lead, update=update, file=upload(jpeg_with_gps(orientation=6)), caption="Arrivée")

    photo.refresh_from_db()
    assert photo.update == update and photo.milestone is None
    assert photo.project == project
    assert photo.caption == "Arrivée"
    assert photo.image.name.startswith("photos/")
    image = assert_no_metadata(photo.image)
    # Turned upright before the orientation tag was dropped: 400×300 becomes 300×400.
    assert image.size == (300, 400)
    assert (photo.width, photo.height) == (300, 400)


@pytest.mark.django_db
def test_a_milestone_photo_comes_back_without_exif_and_photos_go_at_the_end(project, lead):
    milestone = MilestoneFactory(project=project)

    first = photo_attach(actor=lead, milestone=milestone, file=upload(jpeg_with_gps()))
    second = photo_attach(actor=lead, milestone=milestone, file=upload(jpeg_with_gps()))

    assert (first.position, second.position) == (0, 1)
    assert_no_metadata(second.image)


@pytest.mark.django_db
def test_a_photo_wider_than_the_limit_is_resized(project, lead):
    update = UpdateFactory(project=project, author=lead)

    photo = photo_attach(actor=lead, update=update, file=upload(jpeg_with_gps(size=(4000, 3000))))

    assert (photo.width, photo.height) == (uploads.PHOTO_MAX_WIDTH, 1200)
    assert_no_metadata(photo.image)


@pytest.mark.django_db
def test_a_png_with_transparency_stays_a_png(project, lead):
    buffer = io.BytesIO()
    Image.new("RGBA", (50, 40), (10, 20, 30, 0)).save(buffer, format="PNG")

    photo = photo_attach(
        actor=lead, update=UpdateFactory(project=project, author=lead), file=upload(buffer.getvalue(), "a.png")
    )

    assert photo.image.name.endswith(".png")
    stored = Image.open(photo.image.path)
    assert stored.mode == "RGBA"
    assert stored.getpixel((0, 0))[3] == 0


@pytest.mark.django_db
def test_a_text_file_renamed_jpg_is_refused_as_a_photo(project, lead, media):
    update = UpdateFactory(project=project, author=lead)

    with pytest.raises(BadUpload) as refused:
        photo_attach(actor=lead, update=update, file=text_renamed_jpg())

    assert str(refused.value) == NOT_AN_IMAGE
    assert isinstance(refused.value, DomainError)
    assert not Photo.objects.exists()
    assert not list(media.rglob("*.*"))


@pytest.mark.django_db
def test_a_truncated_jpeg_is_refused(project, lead):
    data = jpeg_with_gps()

    with pytest.raises(BadUpload, match="not an image we can read"):
        photo_attach(actor=lead, update=UpdateFactory(project=project), file=upload(data[: len(data) // 2]))


@pytest.mark.django_db
def test_a_decompression_bomb_is_refused_before_decoding(project, lead):
    # 10 000 × 10 000 pixels of one colour: a tiny PNG, 100 megapixels once decoded.
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, format="PNG")
    assert len(buffer.getvalue()) < 100_000

    with pytest.raises(BadUpload, match="too many pixels"):
        photo_attach(actor=lead, update=UpdateFactory(project=project), file=upload(buffer.getvalue(), "bomb.png"))


@pytest.mark.django_db
def test_an_upload_over_the_size_limit_is_refused_with_the_limit(project, lead, settings):
    big = upload(b"\xff\xd8" + b"0" * (uploads.MAX_UPLOAD_BYTES + 1))

    with pytest.raises(BadUpload, match="at most 8 MB"):
        photo_attach(actor=lead, update=UpdateFactory(project=project), file=big)


@pytest.mark.django_db
def test_only_leads_attach_photos_and_at_most_six_each(project, lead):
    update = UpdateFactory(project=project, author=lead)

    with pytest.raises(NotAllowed):
        photo_attach(actor=MemberFactory(), update=update, file=upload(jpeg_with_gps()))
    for _number in range(MAX_PHOTOS_PER_OWNER):
        photo_attach(actor=lead, update=update, file=upload(jpeg_with_gps()))
    with pytest.raises(DomainError, match="At most 6 photos"):
        photo_attach(actor=lead, update=update, file=upload(jpeg_with_gps()))

    assert Photo.objects.filter(update=update).count() == MAX_PHOTOS_PER_OWNER


# --- Expense scans -----------------------------------------------------------------------------


def record(project, lead, scan):
    return expense_record(
        project=project,
        actor=lead,
        description="Couvertures",
        supplier="Souk Tiznit",
        amount=Decimal("900"),
        spent_on=timezone.localdate() - timedelta(days=1),
        scan=scan,
    )


def _blank_pdf():
    # A PDF that can be read (core/pdf_scans.py refuses what cannot be checked): one blank page.
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PDF = _blank_pdf()


@pytest.mark.django_db
def test_a_photographed_receipt_loses_its_exif(project, lead):
    expense = record(project, lead, upload(jpeg_with_gps(size=(3000, 4000))))

    assert expense.scan.name.startswith("expenses/")
    image = assert_no_metadata(expense.scan)
    assert image.size == (uploads.SCAN_MAX_WIDTH, 2667)


@pytest.mark.django_db
def test_a_pdf_receipt_is_kept_as_it_is(project, lead):
    expense = record(project, lead, upload(PDF, "facture.pdf", "application/pdf"))

    assert expense.scan.name.endswith(".pdf")
    assert "facture" not in expense.scan.name
    with expense.scan.open("rb") as stored:
        assert stored.read() == PDF


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "facture.pdf", "not a PDF we can read"),
        (b"%PDF-1.4\n" + b"x" * 100, "facture.pdf", "incomplete or damaged"),
        (b"just some text", "scan.jpg", "neither an image nor a PDF"),
    ],
)
@pytest.mark.django_db
def test_a_fake_pdf_or_a_non_image_scan_is_refused(project, lead, media, data, name, message):
    with pytest.raises(BadUpload, match=message) as refused:
        record(project, lead, upload(data, name, "application/pdf"))

    assert refused.value.field == "scan"
    assert not Expense.objects.exists()
    assert not list(media.rglob("*.*"))


@pytest.mark.django_db
def test_a_fake_pdf_on_the_expense_page_is_a_form_error(client, login, project, lead):
    login(lead)
    data = {
        "description": "Couvertures",
        "supplier": "",
        "amount": "900",
        "spent_on": timezone.localdate().isoformat(),
        "need": "",
        "scan": upload(b"not a pdf at all", "facture.pdf", "application/pdf"),
    }

    response = client.post(reverse("publishing:expense_add", kwargs={"slug": project.slug}), data)

    assert response.status_code == 200
    assert "not a PDF we can read" in " ".join(response.context["form"].errors["scan"])
    assert not Expense.objects.exists()


@pytest.mark.django_db
def test_a_scan_uploaded_on_the_expense_page_loses_its_exif(client, login, project, lead):
    login(lead)
    data = {
        "description": "Couvertures",
        "supplier": "",
        "amount": "900",
        "spent_on": timezone.localdate().isoformat(),
        "need": "",
        "scan": upload(jpeg_with_gps()),
    }

    response = client.post(reverse("publishing:expense_add", kwargs={"slug": project.slug}), data)

    assert response.status_code == 302
    assert_no_metadata(Expense.objects.get().scan)
