"""The leads' pages of donations, reached from the dashboard: adding, editing and closing needs,
recording what arrived, cancelling a pledge with a reason."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import MemberFactory
from core.errors import DomainError
from donations import services
from donations.models import Need, Pledge, Reception
from donations.tests.factories import NeedFactory
from projects.models import Project
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def dashboard_url(project, **query):
    url = reverse("pages:dashboard", kwargs={"slug": project.slug})
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def pledge_via_service(need, donor=None, quantity="10", **kwargs):
    kwargs.setdefault("channel", Pledge.Channel.MOBILE_MONEY if need.is_cash else Pledge.Channel.DROP_OFF)
    return services.pledge_create(donor=donor or MemberFactory(), need=need, quantity=quantity, **kwargs)


@pytest.fixture
def project():
    return ProjectFactory(currency="MAD")


@pytest.fixture
def lead(project):
    return project.created_by


# --- Needs -----------------------------------------------------------------------------------


def test_lead_adds_a_material_need_and_a_cash_need(login, project, lead):
    client = login(lead)
    url = reverse("donations:need_add", kwargs={"slug": project.slug})
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        {
            "kind": "material",
            "label": "couverture",
            "unit": "pièce",
            "target_quantity": "200",
            "estimated_unit_value": "45,5",
        },
    )
    assert response.status_code == 302
    response = client.post(url, {"kind": "cash", "label": "Fonds", "unit": "", "target_quantity": "15000,50"})
    assert response.status_code == 302

    material, cash = Need.objects.filter(project=project).order_by("id")
    assert (material.kind, material.unit, material.target_quantity) == ("material", "pièce", Decimal("200"))
    assert material.estimated_unit_value == Decimal("45.5")
    assert (cash.kind, cash.target_quantity, cash.unit) == ("cash", Decimal("15000.50"), "")


@pytest.mark.parametrize(
    "data, field",
    [
        ({"kind": "material", "label": "couverture", "unit": "", "target_quantity": "200"}, "unit"),
        ({"kind": "material", "label": "couverture", "unit": "pièce", "target_quantity": "abc"}, "target_quantity"),
        ({"kind": "material", "label": "couverture", "unit": "pièce", "target_quantity": "0"}, "target_quantity"),
        (
            {"kind": "cash", "label": "Fonds", "target_quantity": "100", "estimated_unit_value": "3"},
            "estimated_unit_value",
        ),
        ({"kind": "time", "label": "Murs", "unit": "day", "target_quantity": "40"}, "kind"),
    ],
)
def test_bad_need_is_a_form_error(login, project, lead, data, field):
    response = login(lead).post(reverse("donations:need_add", kwargs={"slug": project.slug}), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not Need.objects.exists()


def test_xof_cash_need_refuses_decimals(login, lead):
    project = ProjectFactory(currency="XOF", created_by=lead)
    response = login(lead).post(
        reverse("donations:need_add", kwargs={"slug": project.slug}),
        {"kind": "cash", "label": "Fonds", "target_quantity": "100000,50"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["target_quantity"]
    assert not Need.objects.exists()


def test_needs_cannot_be_added_to_a_completed_project(login, lead):
    project = ProjectFactory(status=Project.Status.COMPLETED, created_by=lead)
    response = login(lead).post(
        reverse("donations:need_add", kwargs={"slug": project.slug}),
        {"kind": "material", "label": "couverture", "unit": "pièce", "target_quantity": "10"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Need.objects.exists()


def test_lead_edits_a_need_nobody_pledged_on(login, project, lead):
    need = NeedFactory(project=project, target_quantity=Decimal("200"))
    client = login(lead)
    url = reverse("donations:need_edit", kwargs={"slug": project.slug, "need_id": need.pk})
    assert client.get(url).context["form"].initial["target_quantity"] == "200"

    response = client.post(
        url, {"kind": "material", "label": "couverture épaisse", "unit": "pièce", "target_quantity": "250"}
    )

    assert response.status_code == 302
    need.refresh_from_db()
    assert (need.label, need.target_quantity) == ("couverture épaisse", Decimal("250"))


def test_need_edit_is_refused_once_pledged_and_its_link_hidden(login, project, lead):
    need = NeedFactory(project=project, target_quantity=Decimal("200"))
    pledge = pledge_via_service(need)
    services.pledge_cancel(pledge=pledge, actor=pledge.donor)  # even a withdrawn pledge was a promise
    edit_url = reverse("donations:need_edit", kwargs={"slug": project.slug, "need_id": need.pk})

    with pytest.raises(DomainError):
        services.need_update(need=need, actor=lead, kind="material", label="x", unit="kg", target_quantity="5")
    client = login(lead)
    response = client.post(edit_url, {"kind": "material", "label": "x", "unit": "kg", "target_quantity": "5"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    need.refresh_from_db()
    assert (need.label, need.unit, need.target_quantity) == ("couverture", "pièce", Decimal("200"))
    assert edit_url not in client.get(dashboard_url(project)).content.decode()


def test_lead_closes_a_need_and_it_stops_taking_pledges(login, project, lead):
    need = NeedFactory(project=project)
    standing = pledge_via_service(need)
    client = login(lead)
    url = reverse("donations:need_close", kwargs={"slug": project.slug, "need_id": need.pk})
    assert client.get(url).status_code == 405

    response = client.post(url)

    assert response.status_code == 302
    need.refresh_from_db()
    assert need.status == Need.Status.CLOSED
    standing.refresh_from_db()
    assert standing.status == Pledge.Status.PLEDGED
    with pytest.raises(DomainError):
        pledge_via_service(need)


# --- Receptions ------------------------------------------------------------------------------


def test_lead_records_receptions_and_over_delivery_is_shown(login, project, lead):
    need = NeedFactory(project=project)
    pledge = pledge_via_service(need, quantity="10")
    client = login(lead)
    url = reverse("donations:reception_add", kwargs={"slug": project.slug, "pledge_id": pledge.pk})

    page = client.get(url)
    assert page.context["form"].initial["quantity"] == "10"
    assert page.context["form"]["received_on"].value() == timezone.localdate()

    client.post(url, {"quantity": "3", "received_on": timezone.localdate().isoformat(), "note": "premier carton"})
    client.post(url, {"quantity": "5", "received_on": timezone.localdate().isoformat()})
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PARTIALLY_FULFILLED
    assert client.get(url).context["form"].initial["quantity"] == "2"

    response = client.post(url, {"quantity": "4", "received_on": timezone.localdate().isoformat()})
    assert response.status_code == 302
    assert response["Location"] == dashboard_url(project)
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.FULFILLED
    assert sorted(Reception.objects.filter(pledge=pledge).values_list("quantity", flat=True)) == [3, 4, 5]
    assert Reception.objects.get(pledge=pledge, quantity=3).note == "premier carton"

    dashboard = client.get(dashboard_url(project), HTTP_ACCEPT_LANGUAGE="en")
    assert dashboard.context["pledges"][0].received == Decimal("12")
    assert "more than pledged" in dashboard.content.decode()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"quantity": "abc"}, "quantity"),
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "-2"}, "quantity"),
        ({"quantity": "3", "received_on": "not a date"}, "received_on"),
        ({"quantity": "3", "received_on": "2999-01-01"}, "received_on"),
    ],
)
def test_bad_reception_is_a_form_error(login, project, lead, data, field):
    pledge = pledge_via_service(NeedFactory(project=project))
    data = {"received_on": timezone.localdate().isoformat(), **data}
    url = reverse("donations:reception_add", kwargs={"slug": project.slug, "pledge_id": pledge.pk})
    response = login(lead).post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not Reception.objects.exists()


def test_reception_date_can_be_in_the_past(login, project, lead):
    pledge = pledge_via_service(NeedFactory(project=project))
    url = reverse("donations:reception_add", kwargs={"slug": project.slug, "pledge_id": pledge.pk})
    login(lead).post(url, {"quantity": "10", "received_on": "2024-12-31"})
    assert Reception.objects.get(pledge=pledge).received_on == datetime.date(2024, 12, 31)


# --- Lead cancels a pledge -------------------------------------------------------------------


def test_lead_cancels_a_pledge_only_with_a_reason(login, project, lead):
    pledge = pledge_via_service(NeedFactory(project=project))
    client = login(lead)
    url = reverse("donations:lead_pledge_cancel", kwargs={"slug": project.slug, "pledge_id": pledge.pk})

    response = client.post(url, {"reason": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PLEDGED

    response = client.post(url, {"reason": "Duplicate of another pledge"})
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert (pledge.status, pledge.cancellation_reason) == (Pledge.Status.CANCELLED, "Duplicate of another pledge")
    event = pledge.events.last()
    assert (event.from_status, event.to_status, event.actor, event.note) == (
        Pledge.Status.PLEDGED,
        Pledge.Status.CANCELLED,
        lead,
        "Duplicate of another pledge",
    )


def test_lead_cancels_the_rest_of_a_partly_received_pledge_and_what_arrived_stays(login, project, lead):
    need = NeedFactory(project=project)
    pledge = pledge_via_service(need, quantity="10")
    services.reception_record(pledge=pledge, actor=lead, quantity="4")
    url = reverse("donations:lead_pledge_cancel", kwargs={"slug": project.slug, "pledge_id": pledge.pk})

    login(lead).post(url, {"reason": "The donor moved away"})

    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CANCELLED
    response = login(lead).get(dashboard_url(project))
    shown = response.context["needs"][0]
    assert (shown.pledged, shown.received) == (Decimal("4"), Decimal("4"))


def test_fully_received_pledge_cannot_be_cancelled(login, project, lead):
    pledge = pledge_via_service(NeedFactory(project=project), quantity="10")
    services.reception_record(pledge=pledge, actor=lead, quantity="10")
    url = reverse("donations:lead_pledge_cancel", kwargs={"slug": project.slug, "pledge_id": pledge.pk})

    response = login(lead).post(url, {"reason": "Oops"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.FULFILLED
