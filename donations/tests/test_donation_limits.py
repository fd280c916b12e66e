"""Donations' limits (donations/limits.py): how many needs a project has, how long a pledge's texts
are, and numbers typed on the pages read as members mean them (core/formatting.parse_typed)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.tests.factories import MemberFactory
from core.errors import DomainError
from donations import services
from donations.limits import NEEDS_PER_PROJECT_MAX, PLEDGE_CANCELLATION_REASON_MAX
from donations.models import Need, Pledge
from donations.tests.factories import NeedFactory, PledgeFactory
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def add_need(project, label="couverture"):
    return services.need_create(
        project=project, actor=project.created_by, kind="material", label=label, unit="pièce", target_quantity="10"
    )


def test_a_project_takes_needs_up_to_its_limit_and_refuses_one_more():
    project = ProjectFactory()
    Need.objects.bulk_create(
        Need(project=project, kind="material", label=f"besoin {n}", unit="pièce", target_quantity=1, position=n)
        for n in range(NEEDS_PER_PROJECT_MAX - 1)
    )

    last = add_need(project, "le dernier")
    with pytest.raises(DomainError) as refused:
        add_need(project, "un de trop")

    assert last.position == NEEDS_PER_PROJECT_MAX - 1
    assert refused.value.code == "too_many"
    assert project.needs.count() == NEEDS_PER_PROJECT_MAX
    assert not project.needs.filter(label="un de trop").exists()


def test_the_need_page_says_the_limit_on_the_form(login):
    project = ProjectFactory()
    Need.objects.bulk_create(
        Need(project=project, kind="material", label=f"besoin {n}", unit="pièce", target_quantity=1, position=n)
        for n in range(NEEDS_PER_PROJECT_MAX)
    )

    response = login(project.created_by).post(
        reverse("donations:need_add", kwargs={"slug": project.slug}),
        {"kind": "material", "label": "un de trop", "unit": "pièce", "target_quantity": "1"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        f"A project has at most {NEEDS_PER_PROJECT_MAX} needs: close one you no longer need, or edit it."
    ]
    assert project.needs.count() == NEEDS_PER_PROJECT_MAX


def test_a_cancellation_reason_longer_than_its_limit_is_refused():
    pledge = PledgeFactory()
    lead = pledge.need.project.created_by

    with pytest.raises(DomainError) as refused:
        services.pledge_cancel(pledge=pledge, actor=lead, reason="x" * (PLEDGE_CANCELLATION_REASON_MAX + 1))

    assert refused.value.field == "reason"
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PLEDGED


def test_a_cancelled_projects_reason_at_its_longest_fits_each_pledge():
    from projects.limits import CANCELLATION_REASON_MAX
    from projects.services import project_transition

    pledge = PledgeFactory()
    project = pledge.need.project

    project_transition(
        project=project, actor=project.created_by, to_status="cancelled", note="x" * CANCELLATION_REASON_MAX
    )

    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CANCELLED
    pledge.full_clean()
    for event in pledge.events.all():
        event.full_clean()


# --- Numbers typed on the pages ------------------------------------------------------------------


def post_pledge(client, need, quantity):
    return client.post(
        reverse("donations:pledge", kwargs={"slug": need.project.slug, "need_id": need.pk}),
        {"quantity": quantity, "channel": Pledge.Channel.BANK_TRANSFER, "visibility": Pledge.Visibility.PUBLIC},
        HTTP_ACCEPT_LANGUAGE="en",
    )


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("１２", "Type the number with the digits 0 to 9."),
        ("1_000", "Enter a number."),
    ],
)
def test_the_pledge_page_refuses_numbers_nobody_means(login, typed, message):
    need = NeedFactory(cash=True)

    response = post_pledge(login(MemberFactory()), need, typed)

    assert response.status_code == 200
    assert response.context["form"].errors["quantity"] == [message]
    assert not Pledge.objects.exists()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (" 12 ", "12"),
        ("1 500,50", "1500.50"),
        ("12.5", "12.5"),
        ("1.500,50", "1500.50"),  # as the Arabic pages print it
        ("٣٠٠", "300"),  # Arabic-Indic digits, from a phone's Arabic keyboard
        ("١٬٥٠٠٫٥", "1500.5"),  # with the Arabic thousands and decimal marks
        ("۲۵۰", "250"),  # Persian digits
    ],
)
def test_the_pledge_page_reads_numbers_as_typed(login, typed, expected):
    need = NeedFactory(cash=True)

    response = post_pledge(login(MemberFactory()), need, typed)

    assert response.status_code == 302
    assert Pledge.objects.get().quantity == Decimal(expected)


@pytest.mark.parametrize(("typed", "refused"), [("１２", True), ("१२", True), ("1_000", True), (" 12 ", False)])
def test_the_need_and_reception_forms_read_numbers_alike(login, typed, refused):
    pledge = PledgeFactory(need=NeedFactory(unit="pièce"), quantity=Decimal("20"))
    project = pledge.need.project
    client = login(project.created_by)

    need_page = client.post(
        reverse("donations:need_add", kwargs={"slug": project.slug}),
        {"kind": "material", "label": "livres", "unit": "livre", "target_quantity": typed},
    )
    reception_page = client.post(
        reverse("donations:reception_add", kwargs={"slug": project.slug, "pledge_id": pledge.pk}),
        {"quantity": typed, "received_on": "2026-01-05"},
    )

    assert (need_page.status_code, reception_page.status_code) == ((200, 200) if refused else (302, 302))
    assert project.needs.filter(label="livres").exists() is not refused
    assert pledge.receptions.exists() is not refused
