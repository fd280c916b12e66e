"""Card pledges: offered only with Stripe keys, one Checkout Session per attempt for exactly the
pledged amount, and a return page that never marks anything paid."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import MemberFactory
from core.errors import DomainError, IllegalTransition
from donations.models import Need, Pledge, Reception
from donations.progress import needs_with_progress
from donations.services import pledge_create, reception_record
from donations.tests.factories import NeedFactory
from payments.models import CardPayment
from payments.tests.stripe_fake import card_pledge, open_checkout, post_event, session_id_of
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def project():
    return ProjectFactory(currency="MAD")


@pytest.fixture
def fund(project):
    return NeedFactory(project=project, cash=True, target_quantity=Decimal("50000"))


@pytest.fixture
def donor():
    return MemberFactory()


def pledge_page(need):
    return reverse("donations:pledge", args=[need.project.slug, need.pk])


def pay_page(pledge):
    return reverse("payments:card_pay", args=[pledge.pk])


def test_without_stripe_keys_card_is_not_offered(settings, login, donor, fund):
    settings.STRIPE_SECRET_KEY = ""
    page = login(donor).get(pledge_page(fund))
    assert page.status_code == 200
    assert 'value="card"' not in page.content.decode()
    assert Pledge.Channel.CARD not in Pledge.channels_for(fund)
    with pytest.raises(DomainError) as refused:
        pledge_create(donor=donor, need=fund, quantity="100", channel=Pledge.Channel.CARD)
    assert refused.value.field == "channel"
    assert not Pledge.objects.exists()


def test_with_stripe_keys_card_is_offered_for_cash_only(fake_stripe, login, donor, fund, project):
    blankets = NeedFactory(project=project)
    client = login(donor)
    assert 'value="card"' in client.get(pledge_page(fund)).content.decode()
    assert 'value="card"' not in client.get(pledge_page(blankets)).content.decode()
    with pytest.raises(DomainError):
        pledge_create(donor=donor, need=blankets, quantity="3", channel=Pledge.Channel.CARD)


def test_a_card_pledge_below_stripes_minimum_is_refused_on_the_form(fake_stripe, login, donor, fund):
    page = login(donor).post(pledge_page(fund), {"quantity": "9.50", "channel": "card", "visibility": "public"})
    assert page.status_code == 200
    assert "A card payment is at least 10 MAD." in page.content.decode()
    assert not Pledge.objects.exists()
    assert fake_stripe.requests == []


def test_pledging_by_card_opens_a_checkout_session_for_exactly_the_pledged_amount(fake_stripe, login, donor, fund):
    client = login(donor)
    answer = client.post(pledge_page(fund), {"quantity": "150,50", "channel": "card", "visibility": "anonymous"})
    pledge = Pledge.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == pay_page(pledge)
    assert fake_stripe.requests == []  # nothing is sent to Stripe before the donor asks to pay

    answer = client.post(pay_page(pledge))

    session = fake_stripe.only_session
    assert answer.status_code == 303
    assert answer["Location"] == session["url"]
    assert session["amount_total"] == 15050
    assert session["currency"] == "mad"
    assert session["metadata"]["pledge_id"] == str(pledge.pk)
    payment = CardPayment.objects.get()
    assert session["metadata"]["card_payment_id"] == str(payment.pk)
    assert session["_payment_intent_metadata"] == session["metadata"]
    assert session["success_url"] == f"http://testserver/me/pledges/{pledge.pk}/pay/done/"
    (_method, _path, _params, key, _replayed) = fake_stripe.calls("POST", "/v1/checkout/sessions")[0]
    assert key == f"tiwizi-checkout-{payment.pk}-15050MAD"
    assert (payment.status, payment.amount_minor, payment.currency) == (CardPayment.Status.PENDING, 15050, "MAD")
    assert payment.checkout_session_id == session["id"]
    # Opening the page pays nothing.
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PLEDGED
    assert needs_with_progress(Need.objects.filter(pk=fund.pk)).get().received == Decimal("0")


def test_an_xof_pledge_is_sent_in_whole_francs(fake_stripe):
    need = NeedFactory(project=ProjectFactory(currency="XOF"), cash=True, target_quantity=Decimal("1000000"))
    pledge = card_pledge(need, "5 000")
    open_checkout(pledge)
    session = fake_stripe.only_session
    assert (session["amount_total"], session["currency"]) == (5000, "xof")


def test_a_double_click_opens_one_session(fake_stripe, login, donor, fund):
    pledge = card_pledge(fund, "200", donor=donor)
    client = login(donor)
    first, second = client.post(pay_page(pledge)), client.post(pay_page(pledge))
    assert first["Location"] == second["Location"]
    assert len(fake_stripe.sessions) == 1
    assert CardPayment.objects.count() == 1


def test_a_retry_after_a_lost_answer_gets_the_same_session_from_stripe(fake_stripe, fund):
    pledge = card_pledge(fund, "200")
    url = open_checkout(pledge)
    # Our side never stored Stripe's answer (the process died right after the call).
    CardPayment.objects.update(checkout_session_id=None, checkout_url="")

    assert open_checkout(pledge) == url

    creations = fake_stripe.calls("POST", "/v1/checkout/sessions")
    assert len(creations) == 2
    assert creations[0][3] == creations[1][3]  # the same idempotency key...
    assert creations[1][4] is True  # ...so Stripe replayed its first answer
    assert len(fake_stripe.sessions) == 1
    assert CardPayment.objects.get().checkout_session_id == session_id_of(url)


def test_an_expired_page_gives_way_to_a_new_session(fake_stripe, fund):
    pledge = card_pledge(fund, "200")
    first = open_checkout(pledge)
    fake_stripe.expire(session_id_of(first))
    CardPayment.objects.update(created_at=timezone.now() - timedelta(hours=2))

    second = open_checkout(pledge)

    assert second != first
    assert len(fake_stripe.sessions) == 2
    old, new = CardPayment.objects.order_by("pk")
    assert old.status == CardPayment.Status.EXPIRED
    assert (new.status, new.checkout_session_id) == (CardPayment.Status.PENDING, session_id_of(second))


def test_only_the_donor_sees_the_pay_page(fake_stripe, login, fund):
    pledge = card_pledge(fund, "200")
    assert login(MemberFactory()).get(pay_page(pledge)).status_code == 404
    assert login(MemberFactory()).post(pay_page(pledge)).status_code == 404
    assert fake_stripe.sessions == {}


def test_a_pledge_by_bank_transfer_has_no_pay_page(fake_stripe, login, donor, fund):
    pledge = pledge_create(donor=donor, need=fund, quantity="200", channel=Pledge.Channel.BANK_TRANSFER)
    assert login(donor).get(pay_page(pledge)).status_code == 404


def test_when_stripe_is_unreachable_the_pledge_stands_and_the_donor_is_told(fake_stripe, settings, login, donor, fund):
    pledge = card_pledge(fund, "200", donor=donor)
    fake_stripe.stop()
    page = login(donor).post(pay_page(pledge), follow=True)
    assert "Card payments are unavailable right now" in page.content.decode()
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PLEDGED
    # The attempt waits, without a session, for the donor's next click.
    assert CardPayment.objects.get().checkout_session_id is None
    fake_stripe.start()
    settings.STRIPE_API_BASE = fake_stripe.url
    assert open_checkout(pledge) == fake_stripe.only_session["url"]


def test_the_return_page_says_being_confirmed_and_marks_nothing_paid(fake_stripe, login, donor, fund):
    pledge = card_pledge(fund, "200", donor=donor)
    fake_stripe.pay(session_id_of(open_checkout(pledge)))  # paid at Stripe; the webhook has not come

    page = login(donor).get(reverse("payments:card_return", args=[pledge.pk]))

    content = page.content.decode()
    assert "Payment being confirmed" in content
    assert '<meta http-equiv="refresh" content="5">' in content
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PLEDGED
    assert not Reception.objects.exists()
    assert CardPayment.objects.get().status == CardPayment.Status.PENDING


def test_my_pledges_offers_to_pay_an_unpaid_card_pledge(fake_stripe, login, donor, fund):
    pledge = card_pledge(fund, "200", donor=donor)
    bank = pledge_create(donor=donor, need=fund, quantity="300", channel=Pledge.Channel.BANK_TRANSFER)
    mine = login(donor).get(reverse("pages:my_pledges")).content.decode()
    assert pay_page(pledge) in mine
    assert pay_page(bank) not in mine


def test_once_stripe_confirms_the_donor_sees_it_paid_and_cannot_pay_again(client, fake_stripe, login, donor, fund):
    pledge = card_pledge(fund, "200", donor=donor)
    session_id = session_id_of(open_checkout(pledge))
    fake_stripe.pay(session_id)
    post_event(client, fake_stripe.session_event("checkout.session.completed", session_id))
    client = login(donor)

    returned = client.get(reverse("payments:card_return", args=[pledge.pk])).content.decode()
    pay = client.get(pay_page(pledge)).content.decode()
    again = client.post(pay_page(pledge), follow=True).content.decode()

    assert "Payment confirmed by Stripe" in returned
    assert 'http-equiv="refresh"' not in returned
    assert "This pledge is paid. Thank you!" in pay
    assert "This pledge is already paid, or closed" in again
    assert len(fake_stripe.sessions) == 1
    mine = client.get(reverse("pages:my_pledges")).content.decode()
    assert pay_page(pledge) not in mine


def test_a_paid_pledge_cannot_be_paid_again(fake_stripe, fund):
    pledge = card_pledge(fund, "200")
    Pledge.objects.filter(pk=pledge.pk).update(status=Pledge.Status.FULFILLED)
    with pytest.raises(IllegalTransition):
        open_checkout(pledge)
    assert fake_stripe.sessions == {}


def test_a_lead_cannot_record_a_card_payment_by_hand(fake_stripe, fund):
    pledge = card_pledge(fund, "200")
    with pytest.raises(IllegalTransition):
        reception_record(pledge=pledge, actor=fund.project.created_by, quantity="200")
    assert not Reception.objects.exists()
