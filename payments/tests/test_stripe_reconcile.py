"""`manage.py stripe_reconcile`: card payments whose webhook was lost are settled by asking
Stripe, through the same transitions as the webhooks; running it again changes nothing."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from donations.models import Need, Pledge, Reception
from donations.progress import needs_with_progress
from donations.tests.factories import NeedFactory
from payments.models import CardPayment
from payments.tests.stripe_fake import card_pledge, open_checkout, post_event, session_id_of
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fund():
    return NeedFactory(project=ProjectFactory(currency="MAD"), cash=True, target_quantity=Decimal("50000"))


@pytest.fixture
def pledge(fake_stripe, fund):
    return card_pledge(fund, "1000.00")


@pytest.fixture
def session_id(pledge):
    return session_id_of(open_checkout(pledge))


def an_hour_ago():
    CardPayment.objects.update(created_at=timezone.now() - timedelta(hours=1))


def reconcile(*args):
    out = StringIO()
    call_command("stripe_reconcile", *args, stdout=out, stderr=out)
    return out.getvalue()


def received(need):
    return needs_with_progress(Need.objects.filter(pk=need.pk)).get().received


def test_reconcile_repairs_a_pledge_whose_webhook_was_lost(client, fake_stripe, pledge, session_id, fund):
    fake_stripe.pay(session_id)  # paid at Stripe; the webhook never came
    an_hour_ago()

    output = reconcile("--older-than", "30")

    assert "applied" in output
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.FULFILLED
    assert Reception.objects.get().recorded_by.handle == "Stripe"
    assert received(fund) == Decimal("1000.00")
    assert CardPayment.objects.get().status == CardPayment.Status.PAID

    # Again, and the late webhook: nothing more.
    assert "nothing to apply" in reconcile("--older-than", "30")
    assert post_event(client, fake_stripe.session_event("checkout.session.completed", session_id)).content == (
        b"unchanged"
    )
    assert Reception.objects.count() == 1
    assert received(fund) == Decimal("1000.00")


def test_reconcile_leaves_young_payments_to_their_webhook(fake_stripe, pledge, session_id):
    fake_stripe.pay(session_id)

    reconcile("--older-than", "30")

    assert fake_stripe.calls("GET", "/v1/checkout/sessions/") == []
    assert CardPayment.objects.get().status == CardPayment.Status.PENDING
    assert not Reception.objects.exists()


def test_a_dry_run_asks_stripe_and_changes_nothing(fake_stripe, pledge, session_id):
    fake_stripe.pay(session_id)
    an_hour_ago()

    output = reconcile("--older-than", "30", "--dry-run")

    assert "Stripe says complete/paid (dry run, nothing changed)" in output
    assert CardPayment.objects.get().status == CardPayment.Status.PENDING
    assert not Reception.objects.exists()


def test_reconcile_settles_expired_and_failed_pages_without_counting_them(fake_stripe, fund):
    expired, failed, still_open = (card_pledge(fund, "100") for _ in range(3))
    expired_session = session_id_of(open_checkout(expired))
    failed_session = session_id_of(open_checkout(failed))
    open_checkout(still_open)
    fake_stripe.expire(expired_session)
    fake_stripe.pay(failed_session, delayed=True)
    fake_stripe.settle_delayed(failed_session, succeeded=False)
    an_hour_ago()

    reconcile("--older-than", "30")

    statuses = dict(CardPayment.objects.values_list("pledge_id", "status"))
    assert statuses == {
        expired.pk: CardPayment.Status.EXPIRED,
        failed.pk: CardPayment.Status.FAILED,
        still_open.pk: CardPayment.Status.PENDING,
    }
    assert not Reception.objects.exists()
    assert set(Pledge.objects.values_list("status", flat=True)) == {Pledge.Status.PLEDGED}


def test_an_attempt_that_never_got_its_page_is_given_up(fake_stripe, pledge):
    CardPayment.objects.create(pledge=pledge, amount_minor=100000, currency="MAD")
    an_hour_ago()

    reconcile("--older-than", "30")

    assert CardPayment.objects.get().status == CardPayment.Status.EXPIRED
    assert fake_stripe.requests == []


def test_reconcile_says_when_stripe_cannot_be_reached_and_changes_nothing(fake_stripe, pledge, session_id):
    fake_stripe.pay(session_id)
    an_hour_ago()
    fake_stripe.stop()

    output = reconcile("--older-than", "30")

    assert "could not be settled now" in output
    assert CardPayment.objects.get().status == CardPayment.Status.PENDING


def test_reconcile_needs_stripe_keys(settings):
    settings.STRIPE_SECRET_KEY = ""
    with pytest.raises(CommandError):
        reconcile()
