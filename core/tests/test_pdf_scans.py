"""A PDF scan of a receipt that would act when opened (scripts, automatic actions, attached files)
is refused at upload with a clear message (core/pdf_scans.py, core/uploads.py); a plain document,
links the reader clicks included, is kept as sent. Small PDFs written by pypdf, and by hand where
pypdf would not write what an attacker does (escaped names, compressed object streams)."""

import io
import zlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from accounts.tests.factories import MemberFactory
from core import pdf_scans
from core.errors import BadUpload
from projects.tests.factories import ProjectFactory
from publishing.expenses import expense_record
from publishing.models import Expense

ACTIVE = "holds scripts, automatic actions or attached files"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def lead():
    return MemberFactory()


@pytest.fixture
def project(lead):
    return ProjectFactory(created_by=lead, slug="aghbar")


def written(writer):
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def blank_writer():
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    return writer


def action(writer, **entries):
    return writer._add_object(DictionaryObject({NameObject(key): value for key, value in entries.items()}))


def javascript(writer):
    return action(
        writer,
        **{"/Type": NameObject("/Action"), "/S": NameObject("/JavaScript"), "/JS": TextStringObject("app.alert(1)")},
    )


def blank_page():
    return written(blank_writer())


def open_action_javascript():
    writer = blank_writer()
    writer._root_object[NameObject("/OpenAction")] = javascript(writer)
    return written(writer)


def javascript_name_tree():
    writer = blank_writer()
    writer.add_open_action(JavaScript("app.alert(1)"))
    return written(writer)


def page_opening_javascript():
    writer = blank_writer()
    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): javascript(writer)})
    return written(writer)


def link(writer, target):
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([NumberObject(10), NumberObject(10), NumberObject(90), NumberObject(30)]),
            NameObject("/A"): target,
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])


def link_launching_a_program():
    writer = blank_writer()
    link(writer, action(writer, **{"/S": NameObject("/Launch"), "/F": TextStringObject("cmd.exe")}))
    return written(writer)


def form_submitting_itself():
    writer = blank_writer()
    link(writer, action(writer, **{"/S": NameObject("/SubmitForm"), "/F": TextStringObject("http://other.host/")}))
    return written(writer)


def attached_file():
    writer = blank_writer()
    writer.add_attachment("facture.exe", b"MZ...")
    return written(writer)


def address_opened_on_its_own():
    writer = blank_writer()
    uri = action(writer, **{"/S": NameObject("/URI"), "/URI": TextStringObject("http://other.host/pixel")})
    writer._root_object[NameObject("/OpenAction")] = uri
    return written(writer)


def link_to_the_suppliers_site():
    writer = blank_writer()
    link(
        writer, action(writer, **{"/S": NameObject("/URI"), "/URI": TextStringObject("https://quincaillerie.example/")})
    )
    return written(writer)


def opening_at_the_first_page():
    writer = blank_writer()
    page = writer.pages[0].indirect_reference
    writer._root_object[NameObject("/OpenAction")] = ArrayObject([page, NameObject("/Fit")])
    return written(writer)


def by_hand(objects, *, trailer_extra=b""):
    """A PDF of `objects` (bytes, numbered from 1) with a classic cross-reference table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer_extra, xref)
    )
    return out.getvalue()


PAGES = [b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]


def escaped_names():
    # /J#61vaScript is /JavaScript and /J#53 is /JS, to a viewer and to pypdf; not to a byte search.
    return by_hand(
        [b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>", *PAGES, b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>"]
    )


def unreferenced_script():
    # Nothing points at object 4; a viewer rebuilding a damaged file's table may still find it.
    return by_hand([b"<< /Type /Catalog /Pages 2 0 R >>", *PAGES, b"<< /S /JavaScript /JS (app.alert(1)) >>"])


def in_a_compressed_object_stream():
    """PDF 1.5: the catalog, pages and a JavaScript /OpenAction inside a Flate-compressed object
    stream, found through a cross-reference stream. Nothing of it shows in the file's bytes."""
    inner = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        *PAGES,
        b"<< /S /JavaScript /JS (app.alert(1)) >>",
    ]
    header, body, position = b"", b"", 0
    for number, obj in enumerate(inner, start=1):
        header += b"%d %d " % (number, position)
        body += obj + b"\n"
        position += len(obj) + 1
    stream = zlib.compress(header + body)
    out = io.BytesIO()
    out.write(b"%PDF-1.5\n")
    object_stream_at = out.tell()
    out.write(
        b"5 0 obj\n<< /Type /ObjStm /N 4 /First %d /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream\nendobj\n"
        % (len(header), len(stream), stream)
    )
    xref_at = out.tell()
    rows = [bytes([0]) + (0).to_bytes(4, "big") + (65535).to_bytes(2, "big")]
    rows += [bytes([2]) + (5).to_bytes(4, "big") + index.to_bytes(2, "big") for index in range(4)]
    rows += [bytes([1]) + object_stream_at.to_bytes(4, "big") + (0).to_bytes(2, "big")]
    rows += [bytes([1]) + xref_at.to_bytes(4, "big") + (0).to_bytes(2, "big")]
    table = b"".join(rows)
    out.write(
        b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n%s\nendstream\nendobj\n"
        % (len(table), table)
    )
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref_at)
    return out.getvalue()


def record(project, lead, data):
    return expense_record(
        project=project,
        actor=lead,
        description="Couvertures",
        supplier="Souk Tiznit",
        amount=Decimal("900"),
        spent_on=timezone.localdate() - timedelta(days=1),
        scan=SimpleUploadedFile("facture.pdf", data, content_type="application/pdf"),
    )


ACTIVE_PDFS = [
    open_action_javascript,
    javascript_name_tree,
    page_opening_javascript,
    link_launching_a_program,
    form_submitting_itself,
    attached_file,
    address_opened_on_its_own,
    escaped_names,
    unreferenced_script,
    in_a_compressed_object_stream,
]


@pytest.mark.parametrize("make", ACTIVE_PDFS, ids=[make.__name__ for make in ACTIVE_PDFS])
@pytest.mark.django_db
def test_a_pdf_that_acts_when_opened_is_refused_and_nothing_is_stored(project, lead, media, make):
    with pytest.raises(BadUpload, match=ACTIVE) as refused:
        record(project, lead, make())

    assert (refused.value.field, refused.value.code) == ("scan", "active_pdf")
    assert not Expense.objects.exists()
    assert not list(media.rglob("*.*"))


PLAIN_PDFS = [blank_page, link_to_the_suppliers_site, opening_at_the_first_page]


@pytest.mark.parametrize("make", PLAIN_PDFS, ids=[make.__name__ for make in PLAIN_PDFS])
@pytest.mark.django_db
def test_a_plain_pdf_is_kept_as_sent(project, lead, make):
    data = make()

    expense = record(project, lead, data)

    with expense.scan.open("rb") as stored:
        assert stored.read() == data


def test_each_way_of_hiding_is_seen_for_what_it_is():
    assert pdf_scans.active_content(escaped_names()) >= {"/JavaScript", "/JS"}
    # Compressed: the bytes show nothing, the parsed objects do.
    data = in_a_compressed_object_stream()
    assert not pdf_scans._names_in_bytes(data) & pdf_scans.REFUSED_NAMES
    assert "/JavaScript" in pdf_scans.active_content(data)
    assert pdf_scans.active_content(address_opened_on_its_own()) == {"/URI"}
    assert pdf_scans.active_content(link_to_the_suppliers_site()) == set()


@pytest.mark.django_db
def test_a_pdf_that_cannot_be_read_is_refused_as_damaged(project, lead):
    with pytest.raises(BadUpload, match="incomplete or damaged"):
        record(project, lead, b"%PDF-1.4\nnothing that parses\n%%EOF\n")


@pytest.mark.django_db
def test_an_active_pdf_on_the_expense_page_is_a_form_error(client, project, lead):
    client.force_login(lead)
    data = {
        "description": "Couvertures",
        "supplier": "",
        "amount": "900",
        "spent_on": timezone.localdate().isoformat(),
        "need": "",
        "scan": SimpleUploadedFile("facture.pdf", open_action_javascript(), content_type="application/pdf"),
    }

    response = client.post(
        reverse("publishing:expense_add", kwargs={"slug": project.slug}), data, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    assert ACTIVE in " ".join(response.context["form"].errors["scan"])
    assert not Expense.objects.exists()
