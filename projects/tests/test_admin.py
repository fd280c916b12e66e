"""The admin, for the site's operators (superusers) only: everything visible, descriptions
correctable, and the audit trail (receptions, pledge events, project transitions) untouchable by
anybody. Moderators, leads, members and staff without superuser status get nothing from it:
they are sent to the admin's log-in page and nothing changes."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Member
from accounts.tests.factories import MemberFactory
from donations.models import Need, Pledge, PledgeEvent, Reception
from donations.services import pledge_create, reception_record
from donations.tests.factories import NeedFactory, PledgeFactory, ReceptionFactory
from projects.models import Community, Membership, Project, ProjectTransition
from projects.services import project_transition
from projects.tests.factories import CommunityFactory, ProjectFactory, make_moderator

pytestmark = pytest.mark.django_db

AUDIT_MODELS = [Reception, PledgeEvent, ProjectTransition]
ALL_MODELS = [Member, Community, Membership, Project, ProjectTransition, Need, Pledge, PledgeEvent, Reception]


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def operator():
    """A superuser: the only one the admin lets in."""
    return MemberFactory(handle="operatrice", is_staff=True, is_superuser=True)


@pytest.fixture
def history():
    """One of everything, written through the services so that the audit rows exist."""
    community = CommunityFactory()
    make_moderator(community)
    project = ProjectFactory(community=community)
    blankets = NeedFactory(project=project, label="couverture", unit="pièce", target_quantity=Decimal("200"))
    pledge = pledge_create(
        donor=MemberFactory(), need=blankets, quantity="10", channel=Pledge.Channel.DROP_OFF, message="Pour Aghbar"
    )
    reception_record(pledge=pledge, actor=project.created_by, quantity="4")
    project_transition(project=project, actor=project.created_by, to_status=Project.Status.CLOSED, note="Fini")
    return {
        Member: pledge.donor,
        Community: community,
        Membership: Membership.objects.filter(community=community).first(),
        Project: project,
        ProjectTransition: ProjectTransition.objects.get(project=project),
        Need: blankets,
        Pledge: pledge,
        PledgeEvent: pledge.events.first(),
        Reception: pledge.receptions.get(),
    }


def management_forms(response):
    """The inline formsets' management data a change form posts back."""
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management.initial.get(name, 0)
    return data


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda model: model.__name__)
def test_operator_opens_every_changelist_and_change_page(login, operator, history, model):
    client = login(operator)

    assert client.get(admin_url(model, "changelist")).status_code == 200
    assert client.get(admin_url(model, "change", history[model].pk)).status_code == 200


def test_operator_sees_the_private_email_on_a_member_page_only_in_the_admin(login, operator, history):
    donor = history[Member]

    response = login(operator).get(admin_url(Member, "change", donor.pk))

    assert donor.email in response.content.decode()


@pytest.mark.parametrize("model", AUDIT_MODELS, ids=lambda model: model.__name__)
def test_operator_cannot_add_change_or_delete_audit_rows(login, operator, history, model):
    client = login(operator)
    row = history[model]

    assert client.get(admin_url(model, "add")).status_code == 403
    assert client.post(admin_url(model, "change", row.pk), {"note": "rewritten"}).status_code == 403
    assert client.post(admin_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("model", AUDIT_MODELS, ids=lambda model: model.__name__)
def test_not_even_a_superuser_may_edit_the_audit_trail(model):
    request = RequestFactory().get("/admin/")
    request.user = MemberFactory(is_staff=True, is_superuser=True)
    model_admin = admin.site._registry[model]

    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request) is False
    assert model_admin.has_delete_permission(request) is False
    assert model_admin.has_view_permission(request) is True


def test_superuser_cannot_add_a_reception_from_the_admin(login, history):
    superuser = MemberFactory(is_staff=True, is_superuser=True)

    response = login(superuser).get(admin_url(Reception, "add"))

    assert response.status_code == 403


def test_pledge_status_and_quantity_do_not_change_in_the_admin(login, operator, history):
    pledge = history[Pledge]
    client = login(operator)
    page = client.get(admin_url(Pledge, "change", pledge.pk))

    response = client.post(
        admin_url(Pledge, "change", pledge.pk),
        {
            "status": Pledge.Status.FULFILLED,
            "quantity": "1",
            "visibility": Pledge.Visibility.ANONYMOUS,
            "message": "",
            **management_forms(page),
        },
    )

    assert response.status_code == 302
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PARTIALLY_FULFILLED
    assert pledge.quantity == Decimal("10")
    # What the admin may correct did change: the donor asked to be anonymous, the message went.
    assert pledge.visibility == Pledge.Visibility.ANONYMOUS
    assert pledge.message == ""
    assert pledge.events.count() == 2


def test_pledge_page_shows_its_receptions_and_events_read_only(login, operator, history):
    pledge = history[Pledge]

    response = login(operator).get(admin_url(Pledge, "change", pledge.pk))

    inlines = {inline.formset.prefix: inline for inline in response.context["inline_admin_formsets"]}
    assert set(inlines) == {"receptions", "events"}
    for inline in inlines.values():
        assert not inline.has_add_permission
        assert not inline.has_change_permission
        assert not inline.has_delete_permission
    assert len(inlines["receptions"].formset.forms) == 1
    assert [event.to_status for event in pledge.events.all()] == ["pledged", "partially_fulfilled"]


def test_pledges_cannot_be_added_or_deleted_in_the_admin(login, history):
    superuser = MemberFactory(is_staff=True, is_superuser=True)
    client = login(superuser)

    assert client.get(admin_url(Pledge, "add")).status_code == 403
    assert client.post(admin_url(Pledge, "delete", history[Pledge].pk), {"post": "yes"}).status_code == 403
    assert client.get(admin_url(Project, "add")).status_code == 403


def test_project_status_is_read_only_in_the_change_form(login, operator, history):
    project = history[Project]

    response = login(operator).get(admin_url(Project, "change", project.pk))

    form = response.context["adminform"].form
    assert "status" not in form.fields
    assert "currency" not in form.fields
    assert "title" in form.fields


def test_approving_a_project_in_review_goes_through_the_lifecycle(login, operator, history):
    community = history[Community]
    proposal = ProjectFactory(community=community, status=Project.Status.IN_REVIEW, opened_at=None)

    response = login(operator).post(
        admin_url(Project, "changelist"), {"action": "approve", "_selected_action": [proposal.pk]}
    )

    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Project.Status.OPEN
    assert proposal.opened_at is not None
    transition = ProjectTransition.objects.get(project=proposal)
    assert (transition.from_status, transition.to_status, transition.actor) == ("in_review", "open", operator)


def test_superuser_creates_a_member_with_a_handle_and_a_password(login):
    superuser = MemberFactory(is_staff=True, is_superuser=True)

    response = login(superuser).post(
        admin_url(Member, "add"),
        {
            "handle": "@Nouvelle_Twitta",
            "email": "",
            "password1": "un-mot-de-passe-long",
            "password2": "un-mot-de-passe-long",
        },
    )

    assert response.status_code == 302
    member = Member.objects.get(handle="Nouvelle_Twitta")
    assert member.email is None
    assert member.check_password("un-mot-de-passe-long")
    assert not member.is_staff


def test_admin_refuses_a_handle_taken_in_another_case(login):
    MemberFactory(handle="amine_tw")
    superuser = MemberFactory(is_staff=True, is_superuser=True)

    response = login(superuser).post(
        admin_url(Member, "add"),
        {"handle": "Amine_TW", "password1": "un-mot-de-passe-long", "password2": "un-mot-de-passe-long"},
    )

    assert response.status_code == 200
    assert "handle" in response.context["adminform"].form.errors
    assert Member.objects.filter(handle__iexact="amine_tw").count() == 1


def test_community_page_lists_its_moderators_and_appoints_new_ones(login, operator, history):
    community = history[Community]
    moderator = Membership.objects.get(community=community).member
    candidate = MemberFactory()
    client = login(operator)
    page = client.get(admin_url(Community, "change", community.pk))
    formset = page.context["inline_admin_formsets"][0].formset
    assert [form.instance.member for form in formset.forms] == [moderator]

    data = {
        "name": community.name,
        "slug": community.slug,
        "hashtag": community.hashtag,
        "description": "",
        "created_at_0": "2026-01-01",
        "created_at_1": "10:00:00",
        **management_forms(page),
        "memberships-0-id": formset.forms[0].instance.pk,
        "memberships-0-community": community.pk,
        "memberships-0-member": moderator.pk,
        "memberships-0-role": "moderator",
        "memberships-1-community": community.pk,
        "memberships-1-member": candidate.pk,
        "memberships-1-role": "moderator",
    }
    data["memberships-TOTAL_FORMS"] = 2
    response = client.post(admin_url(Community, "change", community.pk), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Membership.objects.get(community=community, member=candidate).role == Membership.Role.MODERATOR


def add_rows(count, *, actor):
    """`count` more rows in every table, without hashing a password per member."""
    start = Member.objects.count()
    donors = Member.objects.bulk_create([Member(handle=f"donor_{start + index}") for index in range(count)])
    for donor in donors:
        community = CommunityFactory()
        Membership.objects.create(community=community, member=donor)
        project = ProjectFactory(community=community, created_by=actor)
        pledge = PledgeFactory(need=NeedFactory(project=project), donor=donor)
        ReceptionFactory(pledge=pledge, recorded_by=actor)
        ProjectTransition.objects.create(project=project, from_status="in_review", to_status="open", actor=actor)


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda model: model.__name__)
def test_changelists_do_not_query_per_row(login, operator, django_assert_max_num_queries, model):
    add_rows(2, actor=operator)
    client = login(operator)
    with CaptureQueriesContext(connection) as few_rows:
        client.get(admin_url(model, "changelist"))

    add_rows(10, actor=operator)
    with django_assert_max_num_queries(len(few_rows)):
        response = client.get(admin_url(model, "changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 12


def test_operator_corrects_a_project_title_and_a_need_label_but_not_its_goal(login, operator, history):
    project = history[Project]
    need = history[Need]
    client = login(operator)
    page = client.get(admin_url(Project, "change", project.pk))

    response = client.post(
        admin_url(Project, "change", project.pk),
        {
            "title": "Vêtements chauds pour Aghbar",
            "leads": [lead.pk for lead in project.leads.all()],
            "summary": project.summary,
            "story": project.story,
            "category": project.category,
            "hashtag": "HiverAghbar",
            "village": "Aghbar",
            "region": "Al Haouz",
            "country": "MA",
            **management_forms(page),
            "needs-0-id": need.pk,
            "needs-0-project": project.pk,
            "needs-0-position": need.position,
            "needs-0-label": "couverture en laine",
            "needs-0-target_quantity": "1",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    project.refresh_from_db()
    need.refresh_from_db()
    assert (project.title, project.status) == ("Vêtements chauds pour Aghbar", Project.Status.CLOSED)
    assert need.label == "couverture en laine"
    assert need.target_quantity == Decimal("200")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/admin/donations/receipt/", "/admin/receipts/receipt/"),
        ("/admin/donations/issuer/3/change/", "/admin/receipts/issuer/3/change/"),
        ("/admin/donations/cardpayment/?status=paid", "/admin/payments/cardpayment/?status=paid"),
        ("/admin/donations/stripeevent/", "/admin/payments/stripeevent/"),
        ("/admin/projects/expense/", "/admin/publishing/expense/"),
    ],
)
def test_admin_pages_of_models_that_moved_app_keep_their_old_address(client, old, new):
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == new
