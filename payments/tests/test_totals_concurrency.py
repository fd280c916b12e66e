"""Stored totals under concurrency (PostgreSQL): pledges, cancellations, receptions, card payments
and refunds landing on one project at once leave every stored total equal to its sum.

The workers go through the services and the real webhook endpoint, each with a connection of its
own; they start while the test holds the project's row, the first lock each of them takes, and
are let go only once PostgreSQL shows all of them waiting for it (core/tests/concurrency.py).
"""

import uuid
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.tests.factories import MemberFactory
from core.tests import concurrency
from donations.models import Need, NeedTotals, Pledge, ProjectTotals
from donations.services import pledge_cancel, pledge_create, reception_record
from donations.tests.factories import NeedFactory
from donations.totals import find_drift
from payments.models import CardPayment
from payments.refunds import refund_card_payment
from payments.tests.stripe_fake import card_pledge, open_checkout, post_event, session_id_of
from projects.models import Project
from projects.tests.factories import ProjectFactory

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

TRANSFER = Pledge.Channel.BANK_TRANSFER
DROP = Pledge.Channel.DROP_OFF


def member():
    return MemberFactory(password=None)


@pytest.fixture(autouse=True)
def patient_lock_waits(settings):
    # The webhooks wait behind the test's lock until every worker has come: not a 503.
    settings.STRIPE_LOCK_TIMEOUT_MS = concurrency.JOIN_TIMEOUT * 1000


def test_concurrent_writes_of_every_kind_leave_no_drift(fake_stripe):
    project = ProjectFactory(currency="MAD")
    fund = NeedFactory(project=project, cash=True, target_quantity=Decimal("50000"))
    blankets = NeedFactory(project=project, target_quantity=Decimal("200"))
    lead = project.created_by

    # Before the storm: pledges to cancel or receive, card pledges to pay, a paid one to refund.
    to_cancel = [pledge_create(donor=member(), need=fund, quantity="300", channel=TRANSFER) for _ in range(3)]
    to_receive = [pledge_create(donor=member(), need=blankets, quantity="20", channel=DROP) for _ in range(3)]
    card_to_pay = [card_pledge(fund, "1000.00", donor=member()) for _ in range(2)]
    sessions = [session_id_of(open_checkout(pledge)) for pledge in card_to_pay]
    card_to_refund = card_pledge(fund, "800.00", donor=member())
    paid_session = session_id_of(open_checkout(card_to_refund))
    fake_stripe.pay(paid_session)
    post_event(Client(), fake_stripe.session_event("checkout.session.completed", paid_session))
    paid = CardPayment.objects.get(pledge=card_to_refund)
    for session in sessions:
        fake_stripe.pay(session)
    completions = [fake_stripe.session_event("checkout.session.completed", session) for session in sessions]
    donors = [member() for _ in range(4)]

    jobs = {}
    for index, donor in enumerate(donors):
        jobs[f"pledge-{index}"] = lambda donor=donor: pledge_create(
            donor=donor, need=fund, quantity="250", channel=TRANSFER
        )
    for index, pledge in enumerate(to_cancel):
        jobs[f"cancel-{index}"] = lambda pledge=pledge: pledge_cancel(pledge=pledge, actor=pledge.donor)
    for index, pledge in enumerate(to_receive):
        # One in full, one in part, one beyond what was promised.
        quantity = ("20", "5", "25")[index]
        jobs[f"reception-{index}"] = lambda pledge=pledge, quantity=quantity: reception_record(
            pledge=pledge, actor=lead, quantity=quantity
        )
    for index, event in enumerate(completions):
        jobs[f"card-{index}"] = lambda event=event: post_event(Client(), event).status_code
    jobs["refund"] = lambda: refund_card_payment(payment=paid, actor=lead, amount="300", token=uuid.uuid4())

    outcomes = concurrency.run_together(
        jobs, refused=(), holding=concurrency.rows_locked(Project.objects.filter(pk=project.pk))
    )

    assert all(kind == "ok" for kind, _result in outcomes.values())
    assert find_drift() == []
    call_command("verify_totals")  # exits with an error on drift
    # And the figures are the ones the writes make: 4 × 250 new, 2 × 1000 paid by card, 800 paid
    # then 300 of it refunded, the three cancelled transfers gone.
    totals = ProjectTotals.objects.get(project=project)
    assert totals.cash_pledged == Decimal("1000") + Decimal("2000") + Decimal("500")
    assert totals.cash_received == Decimal("2000") + Decimal("500")
    assert totals.cash_missing == Decimal("50000") - Decimal("3500")
    assert totals.supporters == 4 + 2 + 1 + 3
    blanket_totals = NeedTotals.objects.get(need=blankets)
    assert (blanket_totals.pledged, blanket_totals.received) == (Decimal("65"), Decimal("50"))
    assert Need.objects.get(pk=fund.pk).totals.supporters == 7
