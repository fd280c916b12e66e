"""Card payments under concurrency (PostgreSQL): Stripe delivering the same event several times
at once, a payment and its refund racing out of order, reconcile running meanwhile, double
clicks from two browsers, and a lock held long enough that the webhook must answer 503.

Each worker thread has its own database connection and its own HTTP client, as concurrent
requests would; the events are signed and posted to the real endpoint. The workers start while
the test holds the project's row, the first lock every one of them takes, and it is let go only
once PostgreSQL shows all of them waiting (a redelivery waits on the event's unique index, behind
the first delivery): they really contend.
"""

import threading
import uuid
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client

from accounts.tests.factories import MemberFactory
from core.errors import DomainError
from core.tests import concurrency
from core.tests.concurrency import JOIN_TIMEOUT
from donations.models import CardRefund, Need, Pledge, PledgeEvent, Reception
from donations.progress import needs_with_progress
from donations.tests.factories import NeedFactory
from payments.checkout import payment_refresh
from payments.models import CardPayment, StripeEvent
from payments.refunds import refund_card_payment
from payments.tests.stripe_fake import card_pledge, open_checkout, post_event, session_id_of
from projects.models import Project
from projects.tests.factories import ProjectFactory

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def run_together(jobs, *, holding=None):
    """The jobs at once (core/tests/concurrency.py), name → result: any exception fails the test.
    `holding` locks taken in a transaction of the test's own, kept until every job waits behind
    them: the jobs really contend."""
    outcomes = concurrency.run_together(jobs, refused=(), holding=holding)
    return {name: result for name, (_kind, result) in outcomes.items()}


def project_lock(need):
    """A lead's transaction on the project, holding its row (lock order: project first)."""
    return concurrency.rows_locked(Project.objects.filter(pk=need.project_id))


@pytest.fixture(autouse=True)
def patient_lock_waits(settings):
    # The workers wait behind the test's lock until all have come: not a lock timeout's 503.
    settings.STRIPE_LOCK_TIMEOUT_MS = JOIN_TIMEOUT * 1000


def deliver(event):
    """A job posting `event` from a client of its own; returns (status, outcome)."""

    def job():
        answer = post_event(Client(), event)
        return answer.status_code, answer.content.decode()

    return job


@pytest.fixture
def fund():
    return NeedFactory(project=ProjectFactory(currency="MAD"), cash=True, target_quantity=Decimal("50000"))


@pytest.fixture
def pledge(fake_stripe, fund):
    return card_pledge(fund, "1000.00", donor=MemberFactory(password=None))


@pytest.fixture
def session_id(pledge):
    return session_id_of(open_checkout(pledge))


def received(need):
    return needs_with_progress(Need.objects.filter(pk=need.pk)).get().received


def test_a_paid_session_delivered_three_times_at_once_counts_once(fake_stripe, pledge, session_id, fund):
    fake_stripe.pay(session_id)
    completed = fake_stripe.session_event("checkout.session.completed", session_id)
    succeeded = fake_stripe.session_event("checkout.session.async_payment_succeeded", session_id)
    jobs = {f"completed-{index}": deliver(completed) for index in range(3)}
    jobs.update({f"succeeded-{index}": deliver(succeeded) for index in range(2)})
    payment = CardPayment.objects.get()
    # The cron job asking Stripe at the same moment.
    jobs["reconcile"] = lambda: (200, payment_refresh(payment=payment))

    results = run_together(jobs, holding=project_lock(fund))

    assert {status for status, _outcome in results.values()} == {200}
    outcomes = sorted(outcome for _status, outcome in results.values())
    assert outcomes.count("applied") == 1
    assert outcomes.count("duplicate") == 3  # two of each event were redeliveries
    assert outcomes.count("unchanged") == 2
    assert Reception.objects.count() == 1
    assert StripeEvent.objects.count() == 2
    assert received(fund) == Decimal("1000.00")
    assert list(PledgeEvent.objects.filter(pledge=pledge).order_by("id").values_list("to_status", flat=True)) == [
        Pledge.Status.PLEDGED,
        Pledge.Status.FULFILLED,
    ]
    assert CardPayment.objects.get().status == CardPayment.Status.PAID


def test_a_payment_and_its_refund_racing_out_of_order_end_refunded(fake_stripe, pledge, session_id, fund):
    fake_stripe.pay(session_id)
    fake_stripe.refund(fake_stripe.sessions[session_id]["payment_intent"])
    completed = fake_stripe.session_event("checkout.session.completed", session_id)
    refunded = fake_stripe.charge_refunded_event(session_id)
    jobs = {f"refunded-{index}": deliver(refunded) for index in range(3)}
    jobs.update({f"completed-{index}": deliver(completed) for index in range(3)})

    results = run_together(jobs, holding=project_lock(fund))

    assert {status for status, _outcome in results.values()} == {200}
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.REFUNDED
    assert Reception.objects.count() == 1
    assert CardRefund.objects.get().quantity == Decimal("1000.00")
    assert received(fund) == Decimal("0")
    chain = list(PledgeEvent.objects.filter(pledge=pledge).order_by("id").values_list("to_status", flat=True))
    assert chain == [Pledge.Status.PLEDGED, Pledge.Status.FULFILLED, Pledge.Status.REFUNDED]


def test_double_clicks_from_several_browsers_open_one_session(fake_stripe, pledge, fund):
    results = run_together(
        {f"click-{index}": lambda: open_checkout(pledge) for index in range(5)}, holding=project_lock(fund)
    )

    assert len(set(results.values())) == 1
    assert len(fake_stripe.sessions) == 1
    assert CardPayment.objects.count() == 1


def test_a_webhook_kept_waiting_by_a_lock_answers_503_then_applies_on_retry(
    settings, fake_stripe, pledge, session_id, fund
):
    settings.STRIPE_LOCK_TIMEOUT_MS = 300
    fake_stripe.pay(session_id)
    event = fake_stripe.session_event("checkout.session.completed", session_id)
    locked, release = threading.Event(), threading.Event()

    def hold_the_project():
        # A lead's long transaction on the same project (lock order: project first).
        with transaction.atomic():
            Project.objects.select_for_update().get(pk=fund.project_id)
            locked.set()
            assert release.wait(JOIN_TIMEOUT)
        return "released"

    def deliver_while_locked():
        assert locked.wait(JOIN_TIMEOUT)
        try:
            return deliver(event)()
        finally:
            release.set()

    results = run_together({"holder": hold_the_project, "webhook": deliver_while_locked})

    assert results["webhook"] == (503, "")
    assert not StripeEvent.objects.exists()  # not remembered: Stripe's retry will apply it
    assert not Reception.objects.exists()
    assert deliver(event)() == (200, "applied")
    assert Reception.objects.count() == 1


def test_two_leads_refunding_at_once_never_give_back_more_than_was_paid(fake_stripe, pledge, session_id, fund):
    fake_stripe.pay(session_id)
    post_event(Client(), fake_stripe.session_event("checkout.session.completed", session_id))
    lead = fund.project.created_by
    co_lead = MemberFactory(password=None)
    fund.project.leads.add(co_lead)
    payment = CardPayment.objects.get()

    def refund(actor, amount):
        def job():
            try:
                return refund_card_payment(payment=payment, actor=actor, amount=amount, token=uuid.uuid4())
            except DomainError as error:
                return error

        return job

    results = run_together({"lead": refund(lead, "600"), "co-lead": refund(co_lead, "600")}, holding=project_lock(fund))

    refused = [result for result in results.values() if isinstance(result, DomainError)]
    assert len(refused) == 1
    assert len(fake_stripe.refunds) == 1
    assert sum(refund.quantity for refund in CardRefund.objects.all()) == Decimal("600.00")
    assert received(fund) == Decimal("400.00")
