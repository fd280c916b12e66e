"""A small world for the API's tests: one project, its people in every role, and a client per role.

Roles: anonymous, donor (made an anonymous cash pledge), other_donor (a public material pledge),
lead (of the project), other_lead (of another community's project), moderator (of the
project's community). Clients authenticate with API tokens, as bots do.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from rest_framework.test import APIClient

from accounts.services import token_create
from accounts.tests.factories import MemberFactory
from donations.models import Pledge
from donations.services import reception_record
from donations.tests.factories import NeedFactory, PledgeFactory, ReceptionFactory
from projects.models import Project
from projects.tests.factories import CommunityFactory, ProjectFactory, make_moderator
from publishing.expenses import expense_record
from publishing.milestones import milestone_create
from publishing.models import Update
from publishing.updates import update_create
from receipts.models import Receipt
from receipts.tests.factories import IssuerFactory

ROLES = ("anonymous", "donor", "other_donor", "lead", "other_lead", "moderator")


@dataclass
class World:
    community: object
    project: object
    cash_need: object
    material_need: object
    unpledged_need: object
    draft: object
    other_project: object
    donor_pledge: object
    other_pledge: object
    reception: object
    receipted_pledge: object
    receipt: object
    public_update: object
    supporters_update: object
    draft_update: object
    milestone: object
    expense: object
    members: dict

    def client(self, role):
        client = APIClient()
        if role != "anonymous":
            _token, raw = token_create(member=self.members[role], name="tests")
            client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
        return client


def build_world():
    community = CommunityFactory(name="Twittoma", slug="twittoma")
    moderator = make_moderator(community, MemberFactory(handle="moderatrice"))
    lead = MemberFactory(handle="lead_tighzit")
    donor = MemberFactory(handle="secret_donor")
    other_donor = MemberFactory(handle="open_donor")
    other_lead = MemberFactory(handle="lead_lome")
    project = ProjectFactory(community=community, created_by=lead, slug="tighzit", title="Classe à Tighzit")
    cash_need = NeedFactory(project=project, cash=True)
    material_need = NeedFactory(project=project, label="couverture", unit="pièce")
    unpledged_need = NeedFactory(project=project, label="cartable", unit="pièce")
    draft = ProjectFactory(community=community, created_by=lead, slug="brouillon", status=Project.Status.DRAFT)
    NeedFactory(project=draft)
    other_project = ProjectFactory(created_by=other_lead, slug="lome")
    NeedFactory(project=other_project, cash=True)
    donor_pledge = PledgeFactory(
        need=cash_need,
        donor=donor,
        quantity=Decimal("1000"),
        channel=Pledge.Channel.BANK_TRANSFER,
        visibility=Pledge.Visibility.ANONYMOUS,
        message="Bon courage",
    )
    other_pledge = PledgeFactory(need=material_need, donor=other_donor, quantity=Decimal("20"))
    reception = ReceptionFactory(pledge=other_pledge, quantity=Decimal("5"), recorded_by=lead)
    # The community's association issues receipts: the donor's received gift has one.
    IssuerFactory(community=community, legal_name="Association Twittoma Solidarité")
    receipted_pledge = PledgeFactory(
        need=cash_need, donor=donor, quantity=Decimal("300"), channel=Pledge.Channel.MOBILE_MONEY
    )
    reception_record(pledge=receipted_pledge, actor=lead, quantity=Decimal("300"))
    receipt = Receipt.objects.get(pledge=receipted_pledge)
    # What the project published: updates for everyone and for supporters only (donor and
    # other_donor are supporters), a draft, a milestone done and an expense.
    public_update = update_create(
        project=project, actor=lead, title="Les murs sont montés", body="Merci **à tous**.", publish=True
    )
    supporters_update = update_create(
        project=project,
        actor=lead,
        title="Réservé aux soutiens",
        body="Le plan de la classe.",
        audience=Update.Audience.SUPPORTERS,
        publish=True,
    )
    draft_update = update_create(project=project, actor=lead, title="Brouillon secret", body="À relire")
    milestone = milestone_create(project=project, actor=lead, title="Terrain obtenu")
    expense = expense_record(
        project=project,
        actor=lead,
        description="Ciment",
        supplier="Quincaillerie Atlas",
        amount=Decimal("1200"),
        spent_on=date(2026, 3, 1),
        need=cash_need,
    )
    members = {
        "donor": donor,
        "other_donor": other_donor,
        "lead": lead,
        "other_lead": other_lead,
        "moderator": moderator,
    }
    return World(
        community=community,
        project=project,
        cash_need=cash_need,
        material_need=material_need,
        unpledged_need=unpledged_need,
        draft=draft,
        other_project=other_project,
        donor_pledge=donor_pledge,
        other_pledge=other_pledge,
        reception=reception,
        receipted_pledge=receipted_pledge,
        receipt=receipt,
        public_update=public_update,
        supporters_update=supporters_update,
        draft_update=draft_update,
        milestone=milestone,
        expense=expense,
        members=members,
    )
