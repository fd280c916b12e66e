"""What `manage.py load_demo` prints (one line, which `make run` shows just before the server's
address), where the demo's emails go, and which site its receipts lead to."""

import re
from io import StringIO
from urllib.parse import urlsplit

import pypdf
import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from demo.loader import DEMO_PASSWORD
from donations.models import Pledge, Reception
from publishing.models import UpdateEmail
from receipts.delivery import receipt_pdf_file
from receipts.models import Receipt

CONSOLE = "django.core.mail.backends.console.EmailBackend"


def load_demo(**options):
    out = StringIO()
    call_command("load_demo", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def as_make_run(settings, tmp_path):
    """The settings `make run` loads the demo with: emails to the console, no broker (the tasks
    run in the process, after the commit: conftest's tasks_run_in_process); PDFs under a
    temporary folder."""
    settings.EMAIL_BACKEND = CONSOLE
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings


# After the commit, as in `make run`: receipts are rendered and every email is sent.
@pytest.mark.django_db(transaction=True)
def test_load_demo_prints_one_summary_line_and_no_email(as_make_run, capsys):
    output = load_demo()

    assert len(output.splitlines()) == 1
    for counted in (
        "14 members",
        "2 communities",
        "8 projects",
        f"{Pledge.objects.count()} pledges",
        f"{Reception.objects.count()} receptions",
        f"{Receipt.objects.valid().count()} receipts",
    ):
        assert counted in output
    assert f"“{DEMO_PASSWORD}”" in output and "README.md" in output
    # Every update's emails went, counted, to memory: none reached the console, none is left for
    # the site's sender.
    emails = int(re.search(r"(\d+) emails counted, not sent", output)[1])
    assert emails >= UpdateEmail.objects.filter(status=UpdateEmail.Status.SENT).count() > 0
    assert not UpdateEmail.objects.exclude(status=UpdateEmail.Status.SENT).exists()
    assert capsys.readouterr().out == ""
    assert Receipt.objects.exclude(pdf="").count() == Receipt.objects.count()


@pytest.mark.django_db(transaction=True)
def test_after_the_demo_the_site_sends_emails_as_before(as_make_run, capsys):
    load_demo()

    assert as_make_run.EMAIL_BACKEND == CONSOLE
    mail.send_mail("Bonjour", "Un e-mail du site.", None, ["someone@example.com"])
    assert "Subject: Bonjour" in capsys.readouterr().out


@pytest.mark.django_db
def test_loading_again_says_so_in_one_line(as_make_run):
    load_demo()

    output = load_demo()

    assert len(output.splitlines()) == 1
    assert "Demo already loaded" in output and "nothing created" in output
    assert f"“{DEMO_PASSWORD}”" in output


@pytest.mark.django_db
def test_verbosity_0_prints_nothing_and_2_lists_every_record(as_make_run):
    assert load_demo(verbosity=0) == ""
    listed = load_demo(verbosity=2)
    assert "skipped  project Classe préscolaire à Tighzit (already there)" in listed
    # Each need's progress, under its project.
    assert re.search(r"\nClasse préscolaire à Tighzit \[.*\]\n    Construction de la classe: .* received, ", listed)


@pytest.mark.django_db
def test_the_demo_s_receipts_lead_to_the_site_it_was_loaded_for(as_make_run, client):
    # `make run PORT=8123` loads the demo with SITE_URL=http://127.0.0.1:8123 (Makefile).
    as_make_run.SITE_URL = "http://127.0.0.1:8123"
    load_demo(verbosity=0)

    receipts = list(Receipt.objects.all())
    assert receipts
    for receipt in receipts:
        path = reverse("receipts:verify", kwargs={"code": receipt.code})
        assert receipt.snapshot["verification_url"] == "http://127.0.0.1:8123" + path
    # The PDF prints that address (and its QR code encodes the same snapshot value), and the
    # address answers with the receipt's verification page.
    pdf = receipt_pdf_file(receipt=receipts[0])
    with pdf.open("rb") as file:
        text = "".join(page.extract_text() for page in pypdf.PdfReader(file).pages)
    assert "127.0.0.1:8123/r/" in text and "127.0.0.1:8000" not in text
    response = client.get(urlsplit(receipts[0].snapshot["verification_url"]).path)
    assert response.status_code == 200
    assert receipts[0].number in response.content.decode()


@pytest.mark.django_db
def test_loading_again_for_another_site_says_where_the_receipts_lead(as_make_run):
    as_make_run.SITE_URL = "http://127.0.0.1:8000"
    load_demo(verbosity=0)
    as_make_run.SITE_URL = "http://127.0.0.1:8123"

    output = load_demo()

    assert "receipts were issued for http://127.0.0.1:8000, not SITE_URL=http://127.0.0.1:8123" in output
