"""How to give: the leads say where gifts go, each pledge gets a reference, and the donor is told
exactly what to send, where, with which reference and by when — on the pledge's page, in "My
pledges" and by email. Those details are shown only to whom the leads choose."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.tests.factories import MemberFactory
from core.errors import DomainError, NotAllowed
from donations import services
from donations.giving import is_overdue, project_giving
from donations.models import CollectionPoint, MobileMoneyAccount, Pledge
from donations.references import pledge_id_from, reference_for
from donations.tests.factories import NeedFactory, PledgeFactory
from projects.tests.factories import ProjectFactory, make_moderator

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

BANK = {"bank_holder": "Association Tighzit", "bank_account": "MA64 0111 1000 0012 3456 7890 1234", "bank_name": "CIH"}
DAR_CHABAB = {
    "name": "Dar Chabab Tighzit",
    "address": "Rue principale, Tighzit",
    "hours": "Mon–Sat 9–18h",
    "contact": "06 12 34 56 78",
    "map_url": "https://www.openstreetmap.org/#map=18/31.1/-7.9",
}


def set_giving(project, *, public=False, mobile_money=(), collection_points=(), **details):
    return services.giving_details_set(
        project=project,
        actor=project.leads.first(),
        details={**details, "public": public},
        mobile_money=list(mobile_money),
        collection_points=list(collection_points),
    )


def pledge_by(donor, need, quantity, channel, client):
    client.force_login(donor)
    return client.post(
        reverse("donations:pledge", args=[need.project.slug, need.pk]),
        {"quantity": quantity, "channel": channel, "visibility": Pledge.Visibility.PUBLIC},
        follow=True,
    )


# --- References ---------------------------------------------------------------------------------


def test_a_reference_is_short_unique_and_read_back_however_it_is_typed():
    references = {reference_for(pledge_id) for pledge_id in range(1, 20_001)}
    assert len(references) == 20_000
    reference = reference_for(4_321)
    assert len(reference) == len("TWZ-7F3K9QX") and reference.startswith("TWZ-")
    assert not set(reference[4:]) & set("01ILOU")  # nothing to take for something else
    for typed in (reference, reference.lower(), reference.replace("-", " "), reference[4:], f" {reference} "):
        assert pledge_id_from(typed) == 4_321


def test_a_mistyped_reference_finds_no_pledge_rather_than_another_one():
    reference = reference_for(4_321)
    code = reference[4:]
    wrong = {code[:position] + other + code[position + 1 :] for position in range(7) for other in "23456789ABCDEF"}
    wrong.discard(code)
    found = [pledge_id_from(text) for text in wrong]
    # The check character catches nearly all of them (measured: all but 1 in 400 to 600).
    assert found.count(None) >= len(wrong) - 1
    assert pledge_id_from("TWZ-") is None and pledge_id_from("hello") is None and pledge_id_from("x" * 500) is None


# --- The leads say how to give ------------------------------------------------------------------


def test_leads_set_their_bank_mobile_money_and_collection_points():
    project = ProjectFactory()
    set_giving(
        project,
        **BANK,
        cash_contact="@Sanaa_M, Casablanca",
        mobile_money=[{"operator": "orange_money", "number": "+212 6 12 34 56 78", "holder": "Sanaa"}],
        collection_points=[DAR_CHABAB],
    )
    giving = project_giving(project=project)
    assert giving.details.bank_account == BANK["bank_account"]
    assert [(account.operator, account.number) for account in giving.mobile_money] == [
        ("orange_money", "+212 6 12 34 56 78")
    ]
    assert [point.hours for point in giving.collection_points] == ["Mon–Sat 9–18h"]

    # Saved again with one point fewer: the lists replace what there was.
    set_giving(project, **BANK, collection_points=[])
    assert CollectionPoint.objects.filter(project=project).count() == 0
    assert MobileMoneyAccount.objects.filter(project=project).count() == 0


@pytest.mark.parametrize(
    ("details", "field"),
    [
        ({"bank_account": "not an iban!"}, "bank_account"),
        ({"payment_days": 0}, "payment_days"),
        ({"payment_days": 365}, "payment_days"),
        ({"cash_contact": "x" * 201}, "cash_contact"),
    ],
)
def test_wrong_details_are_refused_and_nothing_is_saved(details, field):
    project = ProjectFactory()
    with pytest.raises(DomainError) as refused:
        set_giving(project, **details)
    assert refused.value.field == field
    assert project_giving(project=project).details.pk is None


def test_at_most_five_numbers_and_only_leads_say_how_to_give():
    project = ProjectFactory()
    six = [{"operator": "wave", "number": f"+221 77 000 00 0{index}"} for index in range(6)]
    with pytest.raises(DomainError):
        set_giving(project, mobile_money=six)
    assert MobileMoneyAccount.objects.count() == 0
    with pytest.raises(NotAllowed):
        services.giving_details_set(project=project, actor=MemberFactory(), details=BANK)


def test_the_giving_page_saves_the_leads_details(client):
    project = ProjectFactory()
    client.force_login(project.leads.first())
    url = reverse("donations:giving_edit", args=[project.slug])
    form = {
        **BANK,
        "cash_contact": "",
        "payment_days": "10",
        "mobile-TOTAL_FORMS": "1",
        "mobile-INITIAL_FORMS": "0",
        "mobile-0-operator": "flooz",
        "mobile-0-number": "+228 90 12 34 56",
        "mobile-0-holder": "Koffi",
        "points-TOTAL_FORMS": "1",
        "points-INITIAL_FORMS": "0",
        **{f"points-0-{name}": value for name, value in DAR_CHABAB.items()},
    }
    assert client.get(url).status_code == 200
    response = client.post(url, form)
    assert response.status_code == 302
    giving = project_giving(project=project)
    assert giving.details.payment_days == 10 and not giving.details.public
    assert [account.number for account in giving.mobile_money] == ["+228 90 12 34 56"]
    assert [point.name for point in giving.collection_points] == ["Dar Chabab Tighzit"]

    # A wrong IBAN: the page says so, in the form, and nothing changes.
    response = client.post(url, {**form, "bank_account": "FR76 ???"})
    assert response.status_code == 200
    assert "IBAN or a RIB" in response.content.decode()
    assert project_giving(project=project).details.bank_account == BANK["bank_account"]

    client.force_login(MemberFactory())
    assert client.get(url).status_code in (403, 404)


# --- The donor is told what to do ---------------------------------------------------------------


def test_a_transfer_pledge_says_how_much_to_whom_with_which_reference_and_by_when(client):
    need = NeedFactory(cash=True)
    set_giving(need.project, **BANK, payment_days=10)
    donor = MemberFactory()

    response = pledge_by(donor, need, "200", Pledge.Channel.BANK_TRANSFER, client)

    pledge = Pledge.objects.get(need=need)
    text = " ".join(response.content.decode().split())
    assert response.redirect_chain[-1][0] == reverse("donations:pledge_detail", args=[pledge.pk])
    assert "Send <strong>200 MAD</strong> by bank transfer to:" in text
    assert BANK["bank_account"] in text and "Association Tighzit" in text
    assert pledge.reference in text
    due = timezone.localdate() + datetime.timedelta(days=10)
    assert f"before {date_format(due, 'DATE_FORMAT')}" in text


def test_a_blanket_pledge_says_where_to_bring_them_and_when(client):
    need = NeedFactory(label="couverture", unit="pièce")
    set_giving(need.project, collection_points=[DAR_CHABAB])

    response = pledge_by(MemberFactory(), need, "3", Pledge.Channel.DROP_OFF, client)

    text = " ".join(response.content.decode().split())
    assert "Bring <strong>3 pièces</strong> to one of these places:" in text
    assert "Dar Chabab Tighzit" in text and "Mon–Sat 9–18h" in text
    assert "openstreetmap.org" in text
    assert BANK["bank_account"] not in text


def test_without_details_the_donor_is_told_the_leads_will_say_and_who_they_are(client):
    need = NeedFactory(cash=True)
    response = pledge_by(MemberFactory(), need, "50", Pledge.Channel.MOBILE_MONEY, client)
    text = response.content.decode()
    assert "have not yet said where to send it" in text
    assert f"@{need.project.leads.first().handle}" in text


def test_my_pledges_repeats_the_instructions_and_the_reference(client):
    need = NeedFactory(cash=True)
    set_giving(need.project, mobile_money=[{"operator": "tmoney", "number": "+228 90 00 00 01"}])
    donor = MemberFactory()
    pledge = services.pledge_create(donor=donor, need=need, quantity="100", channel=Pledge.Channel.MOBILE_MONEY)
    client.force_login(donor)
    text = client.get(reverse("pages:my_pledges")).content.decode()
    assert pledge.reference in text and "+228 90 00 00 01" in text and "TMoney" in text


def test_another_member_cannot_open_someone_s_pledge_page(client):
    pledge = PledgeFactory()
    client.force_login(MemberFactory())
    assert client.get(reverse("donations:pledge_detail", args=[pledge.pk])).status_code == 404


def test_the_donor_gets_the_instructions_by_email_after_the_commit(django_capture_on_commit_callbacks):
    need = NeedFactory(cash=True)
    set_giving(need.project, **BANK)
    with_email = MemberFactory(email="amina@example.org")
    without_email = MemberFactory(email=None)
    demo = MemberFactory(email="demo@demo.tiwizi.invalid")

    with django_capture_on_commit_callbacks(execute=True):
        pledge = services.pledge_create(
            donor=with_email, need=need, quantity="200", channel=Pledge.Channel.BANK_TRANSFER
        )
        for donor in (without_email, demo):
            services.pledge_create(donor=donor, need=need, quantity="5", channel=Pledge.Channel.BANK_TRANSFER)

    assert [message.to for message in mail.outbox] == [["amina@example.org"]]
    message = mail.outbox[0]
    assert pledge.reference in message.subject
    assert "Send 200" in message.body and BANK["bank_account"] in message.body and pledge.reference in message.body
    assert reverse("donations:pledge_detail", args=[pledge.pk]) in message.body


def test_nothing_is_emailed_for_a_pledge_that_rolls_back(django_capture_on_commit_callbacks):
    need = NeedFactory(cash=True)
    need.project.status = need.project.Status.CLOSED
    need.project.save()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DomainError):
        services.pledge_create(
            donor=MemberFactory(email="a@example.org"), need=need, quantity="5", channel=Pledge.Channel.BANK_TRANSFER
        )
    assert mail.outbox == []


# --- Who sees the details -----------------------------------------------------------------------


def test_private_details_show_on_the_project_page_to_its_donors_and_leads_only(client):
    need = NeedFactory(cash=True)
    project = need.project
    set_giving(project, **BANK)
    donor = PledgeFactory(need=need).donor

    assert BANK["bank_account"] not in client.get(project.get_absolute_url()).content.decode()
    client.force_login(MemberFactory())
    assert BANK["bank_account"] not in client.get(project.get_absolute_url()).content.decode()
    client.force_login(donor)
    assert BANK["bank_account"] in client.get(project.get_absolute_url()).content.decode()
    client.force_login(project.leads.first())
    assert BANK["bank_account"] in client.get(project.get_absolute_url()).content.decode()


def test_public_details_show_to_everyone_but_never_in_the_feed_or_the_card(client):
    need = NeedFactory(cash=True)
    project = need.project
    client.get(project.get_absolute_url())  # cached before the leads publish them
    set_giving(project, **BANK, public=True)

    assert BANK["bank_account"] in client.get(project.get_absolute_url()).content.decode()
    for name in ("publishing:feed", "publishing:badge"):
        response = client.get(reverse(name, args=[project.slug]))
        assert response.status_code == 200
        assert b"0111 1000" not in response.content and b"Tighzit" not in response.content


# --- The lead's dashboard: find a pledge by its reference ---------------------------------------


def test_a_lead_finds_a_pledge_by_its_reference_or_its_donor_s_handle(client):
    need = NeedFactory(cash=True)
    project = need.project
    wanted = PledgeFactory(need=need, donor=MemberFactory(handle="amina_k"), channel=Pledge.Channel.BANK_TRANSFER)
    others = [PledgeFactory(need=need) for _ in range(3)]
    client.force_login(project.leads.first())
    url = reverse("pages:dashboard", args=[project.slug])

    for typed in (wanted.reference, wanted.reference.lower().replace("-", " "), "@amina", "AMINA_K"):
        found = client.get(url, {"search": typed}).context["pledges"]
        assert [pledge.pk for pledge in found] == [wanted.pk], typed
    assert len(client.get(url).context["pledges"]) == 1 + len(others)
    assert list(client.get(url, {"search": reference_for(999_999)}).context["pledges"]) == []
    html = client.get(url, {"search": wanted.reference}).content.decode()
    assert reverse("donations:reception_add", args=[project.slug, wanted.pk]) in html


def test_a_moderator_cannot_learn_who_made_an_anonymous_pledge_by_searching(client):
    need = NeedFactory(cash=True)
    project = need.project
    PledgeFactory(need=need, donor=MemberFactory(handle="secret_giver"), visibility=Pledge.Visibility.ANONYMOUS)
    moderator = make_moderator(project.community)
    url = reverse("pages:dashboard", args=[project.slug])

    client.force_login(moderator)
    assert list(client.get(url, {"search": "secret_giver"}).context["pledges"]) == []
    client.force_login(project.leads.first())
    assert len(client.get(url, {"search": "secret_giver"}).context["pledges"]) == 1


def test_a_pledge_with_nothing_received_is_overdue_after_the_leads_days():
    need = NeedFactory(cash=True)
    set_giving(need.project, payment_days=7)
    giving = project_giving(project=need.project)
    pledge = PledgeFactory(need=need, channel=Pledge.Channel.BANK_TRANSFER, quantity=Decimal("100"))
    pledged_on = timezone.localdate(pledge.created_at)
    assert not is_overdue(pledge, giving, today=pledged_on + datetime.timedelta(days=7))
    assert is_overdue(pledge, giving, today=pledged_on + datetime.timedelta(days=8))
    card = PledgeFactory(need=need, channel=Pledge.Channel.CARD)
    assert not is_overdue(card, giving, today=pledged_on + datetime.timedelta(days=30))
