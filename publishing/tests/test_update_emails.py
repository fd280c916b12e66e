"""Emails of published updates: one per supporter who may get it, sent after the commit (never
before, never after a rollback), never in the publishing request when a broker is configured, by
tasks and a recovery command that claim each row once; a link in each stops them without logging
in, by POST only."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail, signing
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import MemberFactory
from core.tests.concurrency import rows_locked, run_together
from donations.models import Pledge
from donations.tests.factories import NeedFactory, PledgeFactory
from projects.tests.factories import ProjectFactory
from publishing import update_emails
from publishing.models import Update, UpdateEmail, UpdateEmailOptOut
from publishing.tasks import send_update_email, send_update_emails
from publishing.update_emails import send_one, send_pending, unsubscribe_token, unsubscribe_token_read
from publishing.updates import update_create, update_edit, update_publish

SENT = UpdateEmail.Status.SENT
FAN_OUT = "publishing.tasks.send_update_emails"
ONE_EMAIL = "publishing.tasks.send_update_email"


class RefusingBackend(EmailBackend):
    """The outside world: an SMTP server that refuses every message."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp server down")


class OnceRefusingBackend(EmailBackend):
    """An SMTP server that refuses the first message it is given, then accepts the others."""

    refused = []

    def send_messages(self, messages):
        if not self.refused:
            self.refused.append(messages)
            raise ConnectionRefusedError("smtp server busy")
        return super().send_messages(messages)


@pytest.fixture(autouse=True)
def email_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://tiwizi.example"


@pytest.fixture
def project(db):
    return ProjectFactory(slug="aghbar", title="Couvertures pour Aghbar")


@pytest.fixture
def lead(project):
    return project.created_by


def support(project, donor=None, **fields):
    return PledgeFactory(need=NeedFactory(project=project), donor=donor or MemberFactory(), **fields).donor


def publish(project, lead, audience=Update.Audience.PUBLIC):
    return update_create(
        project=project,
        actor=lead,
        title="Les couvertures sont arrivées",
        body="Merci **à tous**.",
        audience=audience,
        publish=True,
    )


def recipients():
    return sorted(message.to[0] for message in mail.outbox)


# Who gets one ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_email_per_person_even_with_two_pledges(project, lead):
    twice = support(project)
    support(project, donor=twice, quantity=Decimal("4"))
    once = support(project)
    publish(project, lead)
    assert UpdateEmail.objects.count() == 2
    assert send_pending() == {"sent": 2, "failed": 0}
    assert recipients() == sorted([twice.email, once.email])


@pytest.mark.django_db
def test_opted_out_emailless_inactive_and_withdrawn_supporters_get_nothing(project, lead):
    keeps = support(project)
    opted_out = support(project)
    UpdateEmailOptOut.objects.create(project=project, member=opted_out)
    support(project, donor=MemberFactory(email=None))
    support(project, donor=MemberFactory(is_active=False))
    support(project, status=Pledge.Status.CANCELLED)
    MemberFactory()  # not a supporter at all
    publish(project, lead)
    assert list(UpdateEmail.objects.values_list("member_id", flat=True)) == [keeps.pk]


@pytest.mark.django_db
def test_a_supporters_only_update_is_emailed_to_the_supporters_too(project, lead):
    supporter = support(project)
    publish(project, lead, audience=Update.Audience.SUPPORTERS)
    send_pending()
    assert recipients() == [supporter.email]


# When ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_nothing_is_sent_before_the_commit_and_the_commit_sends_them(project, lead, django_capture_on_commit_callbacks):
    supporter = support(project)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        publish(project, lead)
        assert mail.outbox == []
    assert mail.outbox == []
    for callback in callbacks:  # the commit
        callback()
    # No broker (the embedded default): the publishing process sends them, after the commit.
    assert recipients() == [supporter.email]
    assert UpdateEmail.objects.values_list("status", "attempts").get() == (SENT, 1)


@pytest.mark.django_db
def test_a_rolled_back_publication_queues_and_sends_nothing(project, lead, django_capture_on_commit_callbacks):
    support(project)
    draft = update_create(project=project, actor=lead, title="Brouillon", body="…")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        update_publish(update=draft, actor=lead)
        raise RuntimeError("the request failed after publishing")
    assert callbacks == []
    draft.refresh_from_db()
    assert draft.published_at is None
    assert not UpdateEmail.objects.exists()
    assert send_pending() == {"sent": 0, "failed": 0}
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_with_no_broker_the_publishing_process_sends_them_after_the_commit():
    project = ProjectFactory()
    supporters = {support(project).email for _ in range(3)}
    mail.outbox.clear()  # the pledges' instructions
    publish(project, project.created_by)
    assert set(recipients()) == supporters
    assert set(UpdateEmail.objects.values_list("status", "attempts")) == {(SENT, 1)}


@pytest.mark.django_db(transaction=True)
def test_with_a_broker_the_publishing_request_sends_nothing_and_the_workers_send_each_email_once(client, celery_broker):
    project = ProjectFactory(slug="aghbar")
    supporters = sorted(support(project).email for _ in range(3))
    mail.outbox.clear()  # the pledges' instructions
    client.force_login(project.created_by)

    response = client.post(
        reverse("publishing:update_add", args=[project.slug]),
        {"title": "Arrivées", "body": "Merci", "audience": Update.Audience.PUBLIC, "publish": "1"},
    )

    assert response.status_code == 302
    update = Update.objects.get()
    # The request queued the rows and sent one message: no email, and no batch of them.
    assert mail.outbox == []
    assert set(UpdateEmail.objects.values_list("status", flat=True)) == {UpdateEmail.Status.PENDING}
    assert celery_broker.published == [(FAN_OUT, (update.pk,))]
    email_ids = sorted(UpdateEmail.objects.values_list("pk", flat=True))
    with celery_broker.worker():
        celery_broker.wait_until(lambda: len(celery_broker.ran) == 4)
        # The update's task handed each email to a task of its own.
        assert sorted(args for task, args in celery_broker.published[1:]) == [(pk,) for pk in email_ids]
        assert {task for task, _ in celery_broker.published[1:]} == {ONE_EMAIL}
        assert recipients() == supporters
        # Messages delivered again (the visibility timeout, a worker killed after sending):
        # nothing goes twice.
        send_update_emails.delay(update.pk)
        send_update_email.delay(email_ids[0])
        celery_broker.wait_until(lambda: len(celery_broker.ran) == 6)
    assert {state for _task, state in celery_broker.ran} == {"SUCCESS"}
    assert recipients() == supporters
    assert set(UpdateEmail.objects.values_list("status", "attempts")) == {(SENT, 1)}


@pytest.mark.django_db(transaction=True)
def test_with_a_broker_a_refused_email_is_retried_by_its_task_after_a_backoff(settings, celery_broker, monkeypatch):
    project = ProjectFactory()
    supporter = support(project)
    mail.outbox.clear()  # the pledge's instructions
    settings.EMAIL_BACKEND = f"{__name__}.OnceRefusingBackend"
    monkeypatch.setattr(OnceRefusingBackend, "refused", [])
    # Celery draws each wait at random below the backoff (jitter): here, no wait at all.
    monkeypatch.setattr("celery.utils.time.random.randrange", lambda stop: 0)
    publish(project, project.created_by)

    with celery_broker.worker():
        celery_broker.wait_until(lambda: len(celery_broker.ran) == 3)

    assert celery_broker.ran == [(FAN_OUT, "SUCCESS"), (ONE_EMAIL, "RETRY"), (ONE_EMAIL, "SUCCESS")]
    assert [number for number, _wait in celery_broker.retries] == [1]
    # The retry took the failed row at once (it waited its own backoff), and sent it.
    assert len(OnceRefusingBackend.refused) == 1
    assert recipients() == [supporter.email]
    assert UpdateEmail.objects.values_list("status", "attempts").get() == (SENT, 2)


# The worker ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_sends_what_is_due_and_running_it_again_sends_nothing(project, lead):
    for _ in range(3):
        support(project)
    publish(project, lead)
    call_command("send_update_emails", "--dry-run")
    assert mail.outbox == []
    call_command("send_update_emails")
    assert len(mail.outbox) == 3
    call_command("send_update_emails")
    assert len(mail.outbox) == 3
    assert set(UpdateEmail.objects.values_list("status", "attempts")) == {(SENT, 1)}


@pytest.mark.django_db
def test_editing_after_sending_sends_nothing_again(project, lead):
    support(project)
    update = publish(project, lead)
    send_pending()
    update_edit(update=update, actor=lead, title="Corrigé", body="Corrigé", audience=Update.Audience.PUBLIC)
    update_publish(update=update, actor=lead)
    assert send_pending() == {"sent": 0, "failed": 0}
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_row_is_claimed_by_one_worker_only(project, lead):
    support(project)
    publish(project, lead)
    email = UpdateEmail.objects.get()
    assert send_one(email.pk) == SENT
    assert send_one(email.pk) is None  # a second worker that read the same id
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_failed_send_is_counted_and_retried_later(project, lead, settings):
    support(project)
    publish(project, lead)
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    assert send_pending() == {"sent": 0, "failed": 1}
    assert send_pending() == {"sent": 0, "failed": 0}  # not due again at once
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    later = timezone.now() + update_emails.RETRY_AFTER + timedelta(seconds=1)
    assert send_pending(now=later) == {"sent": 1, "failed": 0}
    assert UpdateEmail.objects.values_list("status", "attempts").get() == (SENT, 2)


@pytest.mark.django_db
def test_a_row_left_sending_by_a_dead_worker_is_taken_back_later(project, lead):
    support(project)
    publish(project, lead)
    UpdateEmail.objects.update(status=UpdateEmail.Status.SENDING, claimed_at=timezone.now(), attempts=1)
    assert send_pending() == {"sent": 0, "failed": 0}
    later = timezone.now() + update_emails.STALE_AFTER + timedelta(seconds=1)
    assert send_pending(now=later) == {"sent": 1, "failed": 0}


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_never_send_the_same_row_twice(celery_broker):
    """Both workers read the same batch and claim its first row at the same moment: a transaction
    of the test holds the queued rows until PostgreSQL shows both claims waiting on them, so
    exactly one of the two claims may win. A crash of either worker fails the test. (A broker,
    with no worker: the publication's own task waits in the queue.)"""
    project = ProjectFactory()
    expected = sorted(support(project).email for _ in range(40))
    mail.outbox.clear()  # the pledges' instructions
    publish(project, project.created_by)

    outcomes = run_together(
        {"first": send_pending, "second": send_pending},
        holding=rows_locked(UpdateEmail.objects.all()),
    )

    results = [result for _kind, result in outcomes.values()]
    assert sum(result["sent"] for result in results) == 40
    assert recipients() == expected
    assert set(UpdateEmail.objects.values_list("status", "attempts")) == {(SENT, 1)}


# The email -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_email_has_text_html_a_link_to_the_update_and_an_unsubscribe_header(project, lead):
    supporter = support(project)
    update = publish(project, lead)
    send_pending()
    message = mail.outbox[0]
    # The token is dated to the second it was signed: read back from the header, not signed again.
    header = message.extra_headers["List-Unsubscribe"]
    prefix = "<https://tiwizi.example/p/aghbar/unsubscribe/"
    assert header.startswith(prefix) and header.endswith("/>")
    token = header[len(prefix) : -2]
    assert unsubscribe_token_read(token) == (supporter.pk, project.pk)
    unsubscribe = f"https://tiwizi.example/p/aghbar/unsubscribe/{token}/"
    # In the site's default language, French, whatever the request's (members have none).
    assert message.subject == "Couvertures pour Aghbar\u00a0: Les couvertures sont arrivées"
    assert unsubscribe in message.body
    assert f"https://tiwizi.example/p/aghbar/updates/{update.pk}/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "<strong>à tous</strong>" in html and unsubscribe in html
    assert lead.email not in message.to


# Unsubscribing -------------------------------------------------------------------------------


def unsubscribe_url(project, member):
    return reverse(
        "publishing:update_unsubscribe", args=[project.slug, unsubscribe_token(member=member, project=project)]
    )


@pytest.mark.django_db
def test_get_only_asks_and_post_unsubscribes_without_logging_in(client, project, lead):
    supporter = support(project)
    url = unsubscribe_url(project, supporter)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Stop receiving the updates of Couvertures pour Aghbar by email?" in response.content.decode()
    assert not UpdateEmailOptOut.objects.exists()  # a mail scanner following the link changes nothing
    response = client.post(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "you will no longer receive the updates" in response.content.decode()
    assert UpdateEmailOptOut.objects.filter(project=project, member=supporter).exists()
    client.post(url)  # twice: harmless
    assert UpdateEmailOptOut.objects.count() == 1
    publish(project, lead)
    assert not UpdateEmail.objects.exists()


@pytest.mark.django_db
def test_unsubscribing_drops_the_emails_still_queued(client, project, lead):
    supporter = support(project)
    publish(project, lead)
    client.post(unsubscribe_url(project, supporter))
    assert send_pending() == {"sent": 0, "failed": 0}
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_tampered_foreign_or_expired_token_is_refused_with_a_clear_page(client, project, monkeypatch):
    supporter = support(project)
    other = ProjectFactory(slug="erfoud")
    good = unsubscribe_token(member=supporter, project=project)
    tampered = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    someone_else = signing.dumps({"m": supporter.pk + 1, "p": project.pk}, salt="another.salt", compress=True)
    other_project = unsubscribe_token(member=supporter, project=other)
    for token in [tampered, someone_else, other_project, "nonsense"]:
        response = client.post(f"/p/aghbar/unsubscribe/{token}/", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400, token
        assert "This link is not valid" in response.content.decode()
    # A year and a day later, the genuine link has expired (the clock is the outside world).
    real_time = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() + 366 * 24 * 3600)
    assert client.post(f"/p/aghbar/unsubscribe/{good}/").status_code == 400
    assert not UpdateEmailOptOut.objects.exists()
