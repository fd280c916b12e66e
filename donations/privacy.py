"""A member's pledges, in their copy of their data and when their account is deleted
(accounts/hooks.py; connected in DonationsConfig.ready())."""

from decimal import Decimal

from django.db.models import Prefetch

from core import cache_versions
from donations.models import QUANTITY_FIELD, CardRefund, Pledge, PledgeEvent, Reception
from donations.progress import pledges_with_received
from projects.models import Project


def member_data(*, member, data):
    """Every pledge of the member, anonymous ones too, with its need and project, what arrived on
    it (receptions, card refunds) and its history: four queries. Who recorded a reception or
    moved a pledge is another member: the history says only whether it was the member."""
    pledges = (
        pledges_with_received(Pledge.objects.filter(donor=member))
        .select_related("need__project")
        .prefetch_related(
            Prefetch("events", queryset=PledgeEvent.objects.order_by("at", "id")),
            Prefetch("receptions", queryset=Reception.objects.order_by("received_on", "id")),
            Prefetch("card_refunds", queryset=CardRefund.objects.order_by("recorded_at", "id")),
        )
        .order_by("created_at", "id")
    )
    data["pledges"] = [_pledge(pledge, member) for pledge in pledges]


# Sums come back from the database with the digits it kept: written as stored quantities are.
CENT = Decimal(10) ** -QUANTITY_FIELD["decimal_places"]


def _pledge(pledge, member):
    need = pledge.need
    return {
        "number": pledge.pk,
        "project": {"slug": need.project.slug, "title": need.project.title},
        "need": {"label": need.label, "kind": need.kind, "unit": need.unit_label},
        "quantity": pledge.quantity,
        "received": pledge.received.quantize(CENT),
        "channel": pledge.channel,
        "status": pledge.status,
        "visibility": pledge.visibility,
        "message": pledge.message,
        "message_hidden_at": pledge.message_hidden_at,
        "message_hidden_reason": pledge.message_hidden_reason,
        "cancellation_reason": pledge.cancellation_reason,
        "created_at": pledge.created_at,
        "events": [
            {
                "from_status": event.from_status,
                "to_status": event.to_status,
                "at": event.at,
                "by_you": event.actor_id == member.pk,
                "note": event.note,
            }
            for event in pledge.events.all()
        ],
        "receptions": [
            {
                "quantity": reception.quantity,
                "received_on": reception.received_on,
                "recorded_at": reception.recorded_at,
                "note": reception.note,
            }
            for reception in pledge.receptions.all()
        ],
        "card_refunds": [
            {"amount": refund.quantity, "recorded_at": refund.recorded_at} for refund in pledge.card_refunds.all()
        ],
    }


def member_erase(*, member):
    """The member's pledges stay, with their receptions, statuses and history, so that every
    total stays as it was; they become anonymous, and their messages (the donor's own words)
    are erased. Refusing is not this app's business."""
    projects = list(Project.objects.filter(needs__pledges__donor=member).distinct().select_related("community"))
    Pledge.objects.filter(donor=member).update(visibility=Pledge.Visibility.ANONYMOUS, message="")
    # Supporters' lists name public donors and show messages.
    for project in projects:
        cache_versions.project_changed(project)
