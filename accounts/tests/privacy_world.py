"""A world for "download my data" and "delete my account": one member who holds something in
every app, and others beside her on the same needs and projects.

- nadia_lyon: a member of Twittoma; a public cash pledge with a message, received (so receipted,
  as a tax receipt: she gave her legal name and address), and an anonymous material pledge, on
  the Tighzit project; co-lead of the Aghbar project, with an update she wrote; an API token; an
  update email queued for her, an opt-out of another project's; a flag she made.
- amine_tw: a public pledge with a message on the same cash need; khadija_m: an anonymous one.
- lead_tighzit: leads Tighzit, records receptions; moderatrice moderates Twittoma.
"""

from dataclasses import dataclass
from decimal import Decimal

from accounts.services import token_create
from accounts.tests.factories import MemberFactory
from donations.models import Pledge
from donations.services import pledge_create, reception_record
from donations.tests.factories import NeedFactory
from moderation.models import Flag
from moderation.services import flag_create
from projects.services import community_join, project_add_lead
from projects.tests.factories import CommunityFactory, ProjectFactory, make_moderator
from publishing.updates import update_create, update_email_opt_out
from receipts.services import tax_identity_save
from receipts.tests.factories import IssuerFactory

HANDLE = "nadia_lyon"
LEGAL_NAME = "Nadia Benali"
ADDRESS = "8 quai Saint-Antoine\n69002 Lyon"
EMAIL = "nadia@private.example"


@dataclass
class World:
    member: object
    lead: object
    co_lead: object
    other: object
    anonymous_donor: object
    moderator: object
    project: object
    led_project: object
    cash: object
    blankets: object
    update: object


def build_world():
    community = CommunityFactory(name="Twittoma", slug="twittoma", hashtag="Twittoma")
    IssuerFactory(community=community, tax=True, number_prefix="TWZ")
    moderator = make_moderator(community, MemberFactory(handle="moderatrice"))
    lead = MemberFactory(handle="lead_tighzit")
    project = ProjectFactory(community=community, created_by=lead, slug="tighzit", title="Classe à Tighzit")
    cash = NeedFactory(project=project, cash=True)
    blankets = NeedFactory(project=project, label="couverture", unit="pièce")

    member = MemberFactory(handle=HANDLE, email=EMAIL)
    community_join(community=community, member=member)
    tax_identity_save(member=member, legal_name=LEGAL_NAME, address=ADDRESS)
    token_create(member=member, name="mon bot")
    gift = pledge_create(
        donor=member,
        need=cash,
        quantity=Decimal("500"),
        channel=Pledge.Channel.BANK_TRANSFER,
        message="Bon courage de Lyon",
    )
    reception_record(pledge=gift, actor=lead, quantity="500")
    pledge_create(
        donor=member,
        need=blankets,
        quantity=Decimal("4"),
        channel=Pledge.Channel.DROP_OFF,
        visibility=Pledge.Visibility.ANONYMOUS,
    )

    other = MemberFactory(handle="amine_tw", email="amine@private.example")
    other_gift = pledge_create(
        donor=other, need=cash, quantity=Decimal("300"), channel=Pledge.Channel.MOBILE_MONEY, message="Courage amine"
    )
    reception_record(pledge=other_gift, actor=lead, quantity="300")
    anonymous_donor = MemberFactory(handle="khadija_m", email="khadija@private.example")
    pledge_create(
        donor=anonymous_donor,
        need=blankets,
        quantity=Decimal("10"),
        channel=Pledge.Channel.SHIPPED,
        visibility=Pledge.Visibility.ANONYMOUS,
        message="De la part de Khadija",
    )

    co_lead = MemberFactory(handle="brahim_tighzit")
    led_project = ProjectFactory(community=community, created_by=co_lead, slug="aghbar", title="Hiver à Aghbar")
    NeedFactory(project=led_project, label="anorak", unit="pièce")
    project_add_lead(project=led_project, actor=co_lead, member=member)
    update = update_create(
        project=led_project, actor=member, title="Les anoraks arrivent", body="Merci à tous.", publish=True
    )
    # Tighzit's update is emailed to its supporters, her too (queued); Aghbar's she turned off.
    update_create(project=project, actor=lead, title="Les murs sont montés", body="Merci.", publish=True)
    update_email_opt_out(project=led_project, member=member)
    flag_create(reporter=member, kind=Flag.Kind.PLEDGE, target_id=other_gift.pk, reason=Flag.Reason.SPAM)

    return World(
        member=member,
        lead=lead,
        co_lead=co_lead,
        other=other,
        anonymous_donor=anonymous_donor,
        moderator=moderator,
        project=project,
        led_project=led_project,
        cash=cash,
        blankets=blankets,
        update=update,
    )
