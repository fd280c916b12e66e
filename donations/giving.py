"""What a donor must do once they pledged: "Send 200 MAD to …, reference TWZ-7F3K9QX, before 17
December", or "Bring 3 blankets to Dar Chabab (Mon–Sat 9–18h)".

The leads set the project's details (GivingDetails and its rows); each pledge picks the part for
the way it arrives. A pledge by card has nothing to send (Stripe), a pledge that arrived in full
neither. Read by the pledge's page, "My pledges", the pledge email, the project's page and the API.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from donations.limits import PAYMENT_DAYS_DEFAULT
from donations.models import CollectionPoint, GivingDetails, MobileMoneyAccount, Pledge
from donations.references import reference_for
from projects.permissions import can_manage_project

# What a donor sends or brings, for each way a gift arrives: the parts of the details it uses.
USES = {
    Pledge.Channel.BANK_TRANSFER: ("bank",),
    Pledge.Channel.MOBILE_MONEY: ("mobile_money",),
    Pledge.Channel.CASH_IN_HAND: ("cash_contact", "collection_points"),
    Pledge.Channel.DROP_OFF: ("collection_points",),
    Pledge.Channel.SHIPPED: ("collection_points",),
    Pledge.Channel.CARD: (),
}


@dataclass
class Giving:
    """A project's details, with their rows (3 queries, or none when prefetched)."""

    details: GivingDetails
    mobile_money: list = field(default_factory=list)
    collection_points: list = field(default_factory=list)

    @property
    def has_bank(self):
        return bool(self.details.bank_account)

    @property
    def is_empty(self):
        return not (self.has_bank or self.details.cash_contact or self.mobile_money or self.collection_points)

    @property
    def public(self):
        return self.details.public and not self.is_empty

    def has(self, part):
        return {
            "bank": self.has_bank,
            "mobile_money": bool(self.mobile_money),
            "cash_contact": bool(self.details.cash_contact),
            "collection_points": bool(self.collection_points),
        }[part]


def projects_giving(*, project_ids):
    """{project id: Giving} for these projects, in 3 queries whatever their number; empty
    details (not saved) for a project whose leads have set none."""
    project_ids = set(project_ids)
    details = {row.project_id: row for row in GivingDetails.objects.filter(project_id__in=project_ids)}
    givings = {
        project_id: Giving(details=details.get(project_id) or GivingDetails(project_id=project_id))
        for project_id in project_ids
    }
    for account in MobileMoneyAccount.objects.filter(project_id__in=project_ids):
        givings[account.project_id].mobile_money.append(account)
    for point in CollectionPoint.objects.filter(project_id__in=project_ids):
        givings[point.project_id].collection_points.append(point)
    return givings


def project_giving(*, project):
    """The project's details, or empty ones (not saved) when its leads have set none."""
    giving = projects_giving(project_ids=[project.pk])[project.pk]
    giving.details.project = project
    return giving


def due_on(pledge, giving=None):
    days = giving.details.payment_days if giving else PAYMENT_DAYS_DEFAULT
    return timezone.localdate(pledge.created_at) + datetime.timedelta(days=days)


def is_overdue(pledge, giving=None, today=None):
    """Nothing arrived yet, after the days the leads give to send it. A card pledge is paid on
    Stripe's page, never by hand: never overdue here."""
    if pledge.status != Pledge.Status.PLEDGED or pledge.is_card:
        return False
    return (today or timezone.localdate()) > due_on(pledge, giving)


@dataclass
class Instructions:
    pledge: Pledge
    giving: Giving
    reference: str
    due_on: datetime.date
    remaining: object
    parts: tuple

    @property
    def to_send(self):
        """Something is still expected from the donor, by hand."""
        return (
            not self.pledge.is_card
            and self.pledge.status in (Pledge.Status.PLEDGED, Pledge.Status.PARTIALLY_FULFILLED)
            and self.remaining > 0
        )

    @property
    def known(self):
        """The leads said where to send it, for this way."""
        return any(self.giving.has(part) for part in self.parts)

    @property
    def shows_bank(self):
        return "bank" in self.parts and self.giving.has_bank

    @property
    def shows_mobile_money(self):
        return "mobile_money" in self.parts and bool(self.giving.mobile_money)

    @property
    def shows_cash_contact(self):
        return "cash_contact" in self.parts and bool(self.giving.details.cash_contact)

    @property
    def shows_collection_points(self):
        return "collection_points" in self.parts and bool(self.giving.collection_points)


def instructions_for(pledge, giving, received=None):
    """What the donor of `pledge` does next. `received` is what already arrived (the pledge's
    `received` annotation when the caller has it)."""
    if received is None:
        received = getattr(pledge, "received", 0) or 0
    remaining = max(pledge.quantity - received, 0)
    return Instructions(
        pledge=pledge,
        giving=giving,
        reference=reference_for(pledge.pk),
        due_on=due_on(pledge, giving),
        remaining=remaining,
        parts=USES.get(pledge.channel, ()),
    )


def shown_giving(*, project, viewer):
    """The project's details as its page shows them to this viewer, or None: to everyone when
    the leads made them public, else to the project's leads and to those who pledged to it.
    No query when there is nothing to show and the project was read with its details
    (select_related("giving_details")), one otherwise; two more to show them."""
    try:
        details = project.giving_details
    except GivingDetails.DoesNotExist:
        return None
    if not details.public:
        if not viewer.is_authenticated:
            return None
        if not (
            can_manage_project(viewer, project)
            or Pledge.objects.filter(need__project=project, donor_id=viewer.pk).exists()
        ):
            return None
    details.project = project
    giving = Giving(
        details=details,
        mobile_money=list(MobileMoneyAccount.objects.filter(project=project)),
        collection_points=list(CollectionPoint.objects.filter(project=project)),
    )
    return None if giving.is_empty else giving
