"""Delivering a receipt (its PDF stored, its donor emailed) in the background: never in the
request that issued it when a broker is configured, each step once however often it runs, and
tried again when the SMTP server fails."""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import MemberFactory
from donations.models import Pledge
from donations.services import pledge_create, reception_record
from donations.tests.factories import NeedFactory
from projects.tests.factories import ProjectFactory
from receipts.models import Receipt
from receipts.tasks import deliver_receipt
from receipts.tests.factories import IssuerFactory

TASK = "receipts.tasks.deliver_receipt"


class RefusingBackend(EmailBackend):
    """The outside world: an SMTP server that refuses every message."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp server down")


@pytest.fixture(autouse=True)
def delivery_settings(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.SITE_URL = "https://tiwizi.example"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def cash_pledge(amount="500"):
    issuer = IssuerFactory()
    project = ProjectFactory(community=issuer.community, currency="MAD")
    need = NeedFactory(project=project, cash=True, target_quantity=Decimal("100000"))
    return pledge_create(donor=MemberFactory(), need=need, quantity=amount, channel=Pledge.Channel.BANK_TRANSFER)


def stored_pdf(receipt):
    with receipt.pdf.open("rb") as file:
        return file.read()


@pytest.mark.django_db(transaction=True)
def test_with_a_broker_the_request_renders_and_emails_nothing_and_a_worker_does_it_once(login, celery_broker):
    pledge = cash_pledge()
    lead = pledge.need.project.leads.first()
    url = reverse("donations:reception_add", kwargs={"slug": pledge.need.project.slug, "pledge_id": pledge.pk})
    mail.outbox.clear()  # the pledge's instructions, sent when it was made

    response = login(lead).post(url, {"quantity": "500", "received_on": timezone.localdate().isoformat()})

    assert response.status_code == 302
    receipt = Receipt.objects.get(pledge=pledge)
    # The request committed the receipt and sent one message; no PDF, no email.
    assert (receipt.pdf.name, receipt.emailed_at) == ("", None)
    assert mail.outbox == []
    assert celery_broker.published == [(TASK, (receipt.pk,))]
    assert celery_broker.waiting() == 1

    with celery_broker.worker():
        celery_broker.wait_until(lambda: celery_broker.ran == [(TASK, "SUCCESS")])
        receipt.refresh_from_db()
        first_pdf = stored_pdf(receipt)
        assert first_pdf.startswith(b"%PDF")
        assert [message.to for message in mail.outbox] == [[pledge.donor.email]]
        assert receipt.number in mail.outbox[0].subject

        # The same message delivered again (Redis's visibility timeout, a worker killed after the
        # email): nothing is rendered or sent twice.
        emailed_at = receipt.emailed_at
        deliver_receipt.delay(receipt.pk)
        celery_broker.wait_until(lambda: celery_broker.ran == [(TASK, "SUCCESS")] * 2)
    receipt.refresh_from_db()
    assert (stored_pdf(receipt), receipt.emailed_at, len(mail.outbox)) == (first_pdf, emailed_at, 1)


@pytest.mark.django_db(transaction=True)
def test_with_a_broker_a_refused_email_is_retried_later_with_a_backoff(settings, celery_broker, monkeypatch):
    # Celery draws each wait at random below the backoff (jitter): the longest here, 30 s.
    monkeypatch.setattr("celery.utils.time.random.randrange", lambda stop: stop - 1)
    pledge = cash_pledge()
    reception_record(pledge=pledge, actor=pledge.need.project.leads.first(), quantity="500")
    receipt = Receipt.objects.get(pledge=pledge)
    mail.outbox.clear()  # the pledge's instructions, sent when it was made
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"

    with celery_broker.worker():
        celery_broker.wait_until(lambda: celery_broker.ran == [(TASK, "RETRY")])

    # The first try stored the PDF and failed to email; its retry is a second message, for later.
    assert celery_broker.published == [(TASK, (receipt.pk,)), (TASK, (receipt.pk,))]
    receipt.refresh_from_db()
    assert receipt.pdf and receipt.emailed_at is None
    assert mail.outbox == []
    assert celery_broker.retries == [(1, pytest.approx(30, abs=1))]


@pytest.mark.django_db
def test_a_delivery_run_again_after_a_refused_email_sends_it_once_and_keeps_the_pdf(settings):
    pledge = cash_pledge()
    reception_record(pledge=pledge, actor=pledge.need.project.leads.first(), quantity="500")
    receipt = Receipt.objects.get(pledge=pledge)
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"

    # Without a broker, one try: the error is the task's result (and logged), not the caller's.
    assert deliver_receipt.delay(receipt.pk).failed()
    receipt.refresh_from_db()
    pdf_name = receipt.pdf.name
    assert pdf_name and receipt.emailed_at is None and mail.outbox == []

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert deliver_receipt.delay(receipt.pk).successful()
    assert deliver_receipt.delay(receipt.pk).successful()
    receipt.refresh_from_db()
    assert receipt.pdf.name == pdf_name
    assert receipt.emailed_at is not None
    assert [message.to for message in mail.outbox] == [[pledge.donor.email]]


@pytest.mark.django_db
def test_a_donor_without_an_email_address_gets_the_pdf_and_no_email():
    pledge = cash_pledge()
    pledge.donor.email = None
    pledge.donor.save(update_fields=["email"])
    reception_record(pledge=pledge, actor=pledge.need.project.leads.first(), quantity="500")
    receipt = Receipt.objects.get(pledge=pledge)

    assert deliver_receipt.delay(receipt.pk).successful()

    receipt.refresh_from_db()
    assert receipt.pdf and receipt.emailed_at is None and mail.outbox == []
