"""Writes on needs, pledges and receptions. One transaction each, rows locked in a fixed order.

Lock order, everywhere: project, then need, then pledge. Totals are never stored: they are
summed from the rows (progress.py), so two concurrent writers can only add rows, and the
sums stay exact.

What other apps do when something arrives (a receipt, a line on the timeline) they do through
donations/hooks.py; what donations does when a project moves, it does through the handlers at
the end of this module, connected to projects/hooks.py in apps.py.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import cache_versions
from core.currencies import decimal_places
from core.errors import DomainError, IllegalTransition, NotAllowed
from core.formatting import NotANumber, parse_typed
from donations import giving_email, hooks, permissions
from donations.limits import (
    COLLECTION_POINTS_MAX,
    MOBILE_MONEY_ACCOUNTS_MAX,
    NEEDS_PER_PROJECT_MAX,
    PLEDGE_CANCELLATION_REASON_MAX,
    PLEDGE_MESSAGE_MAX,
    PLEDGE_REASON_STORED_MAX,
    RECEPTION_NOTE_MAX,
)
from donations.models import (
    QUANTITY_MAX,
    CardRefund,
    CollectionPoint,
    GivingDetails,
    MobileMoneyAccount,
    Need,
    Pledge,
    PledgeEvent,
    Reception,
    counted_whole,
    default_unit_plural,
)
from donations.progress import pledge_received
from donations.search import refresh_project_search
from donations.thresholds import record_thresholds
from donations.totals import refresh_project_totals
from projects import permissions as project_permissions
from projects.models import Project

# Needs may be added while the project is being prepared or is collecting.
NEED_EDITABLE_PROJECT_STATUSES = (Project.Status.DRAFT, Project.Status.IN_REVIEW, Project.Status.OPEN)
# What arrives is recorded while the project runs, and after it stops taking pledges.
RECEIVING_PROJECT_STATUSES = (Project.Status.OPEN, Project.Status.CLOSED, Project.Status.COMPLETED)


def clean_quantity(value, *, places, field="quantity", whole_message=None):
    """A positive Decimal with at most `places` decimals, at most QUANTITY_MAX, or a DomainError.
    `whole_message` says why decimals are refused when `places` is 0 (default: the currency's)."""
    try:
        quantity = parse_typed(value)
    except NotANumber as error:
        raise DomainError(error.message, field=field) from None
    if quantity <= 0:
        raise DomainError(_("Enter a quantity greater than zero."), field=field)
    if quantity > QUANTITY_MAX:
        raise DomainError(_("This is more than Tiwizi can record in one go."), field=field)
    if quantity != quantity.quantize(Decimal(1).scaleb(-places)):
        if places == 0:
            message = whole_message or _("Enter a whole number (this currency has no cents).")
            raise DomainError(message, field=field)
        raise DomainError(_("Enter at most %(places)d decimals.") % {"places": places}, field=field)
    return quantity


def _whole_units_message(unit):
    return _("This need is counted in whole units (%(unit)s): enter a whole number, such as 1 or 2.") % {"unit": unit}


def clean_need_quantity(value, *, need, field="quantity"):
    """A quantity for this need: in its currency's decimals for cash, whole for material counted
    in whole units (1.5 blankets is refused), two decimals for other material (2.5 kg)."""
    whole_message = None if need.is_cash else _whole_units_message(need.unit)
    return clean_quantity(value, places=need.decimal_places, field=field, whole_message=whole_message)


def _need_fields(project, kind, label, unit, target_quantity, estimated_unit_value, whole_units, unit_plural=""):
    """A need's fields, checked and normalised, or a DomainError on the field at fault. A material
    need's `whole_units`, when not given (None), follows its unit (donations.models.counted_whole)."""
    kind = Need.Kind(kind)
    label = (label or "").strip()
    if not label:
        raise DomainError(_("Say what is needed."), field="label")
    unit = (unit or "").strip()
    unit_plural = (unit_plural or "").strip()
    whole_message = None
    if kind == Need.Kind.CASH:
        places = decimal_places(project.currency)
        unit = unit_plural = ""
        whole_units = False
        if estimated_unit_value not in (None, ""):
            raise DomainError(_("Only material needs have an estimated value per unit."), field="estimated_unit_value")
        estimated_unit_value = None
    elif not unit:
        raise DomainError(_("Say in what unit it is counted (piece, kg, m²…)."), field="unit")
    else:
        whole_units = counted_whole(unit) if whole_units is None else bool(whole_units)
        places = 0 if whole_units else 2
        whole_message = _whole_units_message(unit)
    target = clean_quantity(target_quantity, places=places, field="target_quantity", whole_message=whole_message)
    if estimated_unit_value not in (None, ""):
        estimated_unit_value = clean_quantity(estimated_unit_value, places=2, field="estimated_unit_value")
    else:
        estimated_unit_value = None
    return {
        "kind": kind,
        "label": label,
        "unit": unit,
        # Stored only when it differs from the usual plural, so that a fix of the rule reaches it.
        "unit_plural": "" if unit_plural == default_unit_plural(unit) else unit_plural,
        "target_quantity": target,
        "estimated_unit_value": estimated_unit_value,
        "whole_units": whole_units,
    }


@transaction.atomic
def need_create(
    *,
    project,
    actor,
    kind,
    label,
    target_quantity,
    unit="",
    unit_plural="",
    estimated_unit_value=None,
    whole_units=None,
):
    """A lead adds a need to a project that is still being prepared or is collecting, up to
    NEEDS_PER_PROJECT_MAX (counted under the project's lock: two leads adding the last one at the
    same moment make one of them wait, then refuse it)."""
    project = Project.objects.lock(project.pk)
    if not project_permissions.can_manage_project(actor, project):
        raise NotAllowed(_("Only the project's leads may add needs."))
    if project.status not in NEED_EDITABLE_PROJECT_STATUSES:
        raise DomainError(_("Needs can no longer be added to this project."))
    position = project.needs.count()
    if position >= NEEDS_PER_PROJECT_MAX:
        raise DomainError(
            _("A project has at most %(count)d needs: close one you no longer need, or edit it.")
            % {"count": NEEDS_PER_PROJECT_MAX},
            code="too_many",
        )
    fields = _need_fields(project, kind, label, unit, target_quantity, estimated_unit_value, whole_units, unit_plural)
    need = Need.objects.create(project=project, position=position, **fields)
    refresh_project_totals(project)
    refresh_project_search(project)
    cache_versions.project_changed(project)
    return need


@transaction.atomic
def need_update(
    *,
    need,
    actor,
    kind,
    label,
    target_quantity,
    unit="",
    unit_plural="",
    estimated_unit_value=None,
    whole_units=None,
):
    """A lead edits a need, only while nothing has been pledged on it: a donor's promise is
    never silently re-read against a different goal or unit."""
    project = Project.objects.lock(need.project_id)
    need = Need.objects.select_for_update().get(pk=need.pk)
    if not project_permissions.can_manage_project(actor, project):
        raise NotAllowed(_("Only the project's leads may edit needs."))
    if need.pledges.exists():
        raise DomainError(_("This need already has pledges: it can be closed, not edited."))
    fields = _need_fields(project, kind, label, unit, target_quantity, estimated_unit_value, whole_units, unit_plural)
    for name, value in fields.items():
        setattr(need, name, value)
    need.save()
    refresh_project_totals(project)
    refresh_project_search(project)
    cache_versions.project_changed(project)
    return need


@transaction.atomic
def need_close(*, need, actor):
    """A lead stops a need from taking pledges. Standing pledges and receptions stay."""
    project = Project.objects.lock(need.project_id)
    need = Need.objects.select_for_update().get(pk=need.pk)
    if not project_permissions.can_manage_project(actor, project):
        raise NotAllowed(_("Only the project's leads may close needs."))
    if need.status == Need.Status.CLOSED:
        return need
    need.status = Need.Status.CLOSED
    need.save(update_fields=["status"])
    refresh_project_search(project)  # a closed need is no longer an item needed
    cache_versions.project_changed(project)
    return need


def _record_event(pledge, *, from_status, to_status, actor, note=""):
    PledgeEvent.objects.create(pledge=pledge, from_status=from_status, to_status=to_status, actor=actor, note=note)


@transaction.atomic
def pledge_create(*, donor, need, quantity, channel, visibility=Pledge.Visibility.PUBLIC, message=""):
    """A member promises an amount or a quantity towards one need of an open project.

    The project and the need are locked so that a pledge never lands on a project being
    closed or a need being closed at the same moment.
    """
    if not permissions.can_pledge(donor, need):
        if donor.is_authenticated:
            raise NotAllowed(_("You are suspended in this project's community: you may not pledge there."))
        raise NotAllowed(_("Log in to pledge."))
    project = Project.objects.lock(need.project_id)
    need = Need.objects.select_for_update().get(pk=need.pk)
    if not project.takes_pledges:
        raise DomainError(_("This project is not taking pledges."))
    if need.status != Need.Status.OPEN:
        raise DomainError(_("This need is closed: it no longer takes pledges."))
    need.project = project
    if channel not in Pledge.channels_for(need):
        raise DomainError(_("Choose how your gift will arrive."), field="channel")
    if visibility not in Pledge.Visibility.values:
        raise DomainError(_("Choose whether your pledge is public or anonymous."), field="visibility")
    message = (message or "").strip()
    if len(message) > PLEDGE_MESSAGE_MAX:
        raise DomainError(
            _("A message has at most %(count)d characters.") % {"count": PLEDGE_MESSAGE_MAX}, field="message"
        )
    quantity = clean_need_quantity(quantity, need=need)
    if channel == Pledge.Channel.CARD:
        # Refused here, with the form, rather than by Stripe once the donor is on its page.
        hooks.card_pledge_checked(amount=quantity, currency=project.currency)
    pledge = Pledge.objects.create(
        need=need,
        donor=donor,
        quantity=quantity,
        channel=channel,
        visibility=visibility,
        message=message,
    )
    _record_event(pledge, from_status="", to_status=Pledge.Status.PLEDGED, actor=donor)
    refresh_project_totals(project)
    cache_versions.progress_changed(project)
    if not pledge.is_card:
        # What to send, where and with which reference, to the donor's inbox as well.
        pledge_id = pledge.pk
        transaction.on_commit(lambda: giving_email.email_instructions(pledge_id=pledge_id))
    return pledge


@transaction.atomic
def pledge_cancel(*, pledge, actor, reason=""):
    """Withdraw a pledge. The donor may, until something has arrived; a lead may, with a reason,
    as long as it is not fully received. What already arrived stays recorded and counted."""
    project = Project.objects.lock(pledge.need.project_id)
    # Only the pledge's row (the need is read, not locked), keeping the order project → need → pledge.
    pledge = Pledge.objects.select_for_update(of=("self",)).select_related("need").get(pk=pledge.pk)
    pledge.need.project = project
    reason = (reason or "").strip()
    is_lead = project_permissions.is_lead(actor, project)
    if not is_lead and (not actor.is_authenticated or pledge.donor_id != actor.pk):
        raise NotAllowed(_("You may not cancel this pledge."))
    if pledge.status == Pledge.Status.CANCELLED:
        raise IllegalTransition(_("This pledge is already cancelled."))
    if pledge.status == Pledge.Status.FULFILLED:
        raise IllegalTransition(_("This pledge has been received in full: it cannot be cancelled."))
    if not is_lead:
        if pledge.status != Pledge.Status.PLEDGED:
            raise IllegalTransition(
                _("Part of this pledge has already arrived: ask a project lead to cancel the rest.")
            )
    elif not reason:
        raise DomainError(_("Give the donor a reason for cancelling their pledge."), field="reason")
    if len(reason) > PLEDGE_CANCELLATION_REASON_MAX:
        raise DomainError(
            _("A reason has at most %(count)d characters.") % {"count": PLEDGE_CANCELLATION_REASON_MAX},
            field="reason",
        )
    from_status = pledge.status
    pledge.status = Pledge.Status.CANCELLED
    pledge.cancellation_reason = reason
    pledge.save(update_fields=["status", "cancellation_reason"])
    _record_event(pledge, from_status=from_status, to_status=Pledge.Status.CANCELLED, actor=actor, note=reason)
    refresh_project_totals(project)
    cache_versions.progress_changed(project)
    return pledge


def pledges_cancel_for_project(*, project, actor, reason):
    """Part of cancelling a project (projects.hooks.project_cancelled: inside that transaction,
    project already locked): pledges not yet started are cancelled; partly received ones are
    closed as cancelled for the rest. Received quantities stay recorded."""
    open_pledges = Pledge.objects.select_for_update(of=("self",)).filter(
        need__project=project, status__in=(Pledge.Status.PLEDGED, Pledge.Status.PARTIALLY_FULFILLED)
    )
    # The project's reason is at most projects.limits.CANCELLATION_REASON_MAX: with its prefix it
    # fits PLEDGE_REASON_STORED_MAX, cut all the same should a translation be long.
    note = (_("Project cancelled: %(reason)s") % {"reason": reason})[:PLEDGE_REASON_STORED_MAX]
    events = []
    for pledge in open_pledges:
        events.append(
            PledgeEvent(
                pledge=pledge, from_status=pledge.status, to_status=Pledge.Status.CANCELLED, actor=actor, note=note
            )
        )
    Pledge.objects.filter(pk__in=[event.pledge.pk for event in events]).update(
        status=Pledge.Status.CANCELLED, cancellation_reason=note
    )
    PledgeEvent.objects.bulk_create(events)
    refresh_project_totals(project)


@transaction.atomic
def reception_record(*, pledge, actor, quantity, received_on=None, note=""):
    """A lead records what actually arrived for a pledge: all of it, part of it, or more.

    The pledge is locked, the reception added, then the pledge's status is derived from the
    sum of its receptions (pledged → partially received → received) and the move recorded.
    """
    project = Project.objects.lock(pledge.need.project_id)
    # Only the pledge's row (the need is read, not locked), keeping the order project → need → pledge.
    pledge = Pledge.objects.select_for_update(of=("self",)).select_related("need").get(pk=pledge.pk)
    pledge.need.project = project
    if not permissions.can_record_reception(actor, pledge):
        raise NotAllowed(_("Only the project's leads may record what arrived."))
    if project.status not in RECEIVING_PROJECT_STATUSES:
        raise DomainError(_("This project does not record receptions in its current state."))
    if pledge.status not in Pledge.RECEIVABLE_STATUSES:
        raise IllegalTransition(_("This pledge is cancelled: nothing more can be received on it."))
    if pledge.is_card:
        # Only Stripe's confirmation counts a card payment (payments/transitions.py): a reception
        # typed by hand would count it twice.
        raise IllegalTransition(_("A card payment is recorded when Stripe confirms it, not by hand."))
    received_on = received_on or timezone.localdate()
    if received_on > timezone.localdate():
        raise DomainError(_("The date of reception cannot be in the future."), field="received_on")
    note = (note or "").strip()[:RECEPTION_NOTE_MAX]
    reception = Reception.objects.create(
        pledge=pledge,
        need=pledge.need,
        quantity=clean_need_quantity(quantity, need=pledge.need),
        received_on=received_on,
        note=note,
        recorded_by=actor,
    )
    received = pledge_received(pledge)
    new_status = Pledge.Status.FULFILLED if received >= pledge.quantity else Pledge.Status.PARTIALLY_FULFILLED
    if new_status != pledge.status:
        from_status = pledge.status
        pledge.status = new_status
        pledge.save(update_fields=["status"])
        _record_event(
            pledge,
            from_status=from_status,
            to_status=new_status,
            actor=actor,
            note=_("%(quantity)s received") % {"quantity": reception.quantity},
        )
    # In this transaction, so the receipt's number is taken with the reception or not at all;
    # its PDF is rendered after the commit (receipts/services.py).
    hooks.pledge_received_changed(pledge=pledge, reason="")
    refresh_project_totals(project)
    # The project is locked: thresholds crossed by this reception are recorded exactly once,
    # read from the totals just refreshed.
    record_thresholds(project=project, need=pledge.need)
    cache_versions.progress_changed(project)
    return reception


def pledge_settle_by_money(pledge, *, actor, note):
    """Move a card pledge to the status its money says: received in full, in part, refunded.

    Part of the transaction that applies Stripe's word (payments/transitions.py), the pledge
    locked. A cancelled pledge stays cancelled (what arrived on it is still counted); a lead
    decides.
    """
    if pledge.status == Pledge.Status.CANCELLED:
        return
    received = pledge_received(pledge)
    refunded = CardRefund.objects.filter(pledge=pledge).exists()
    if received >= pledge.quantity:
        new_status = Pledge.Status.FULFILLED
    elif refunded:
        new_status = Pledge.Status.REFUNDED if received <= 0 else Pledge.Status.PARTIALLY_REFUNDED
    elif received > 0:
        new_status = Pledge.Status.PARTIALLY_FULFILLED
    else:
        new_status = Pledge.Status.PLEDGED
    if new_status == pledge.status:
        return
    from_status = pledge.status
    pledge.status = new_status
    pledge.save(update_fields=["status"])
    _record_event(pledge, from_status=from_status, to_status=new_status, actor=actor, note=note)


# Handlers of projects/hooks.py (connected in apps.py) -------------------------------------------


def refuse_review_without_needs(*, project, to_status):
    """A project goes to review with at least one need: reviewers judge what it asks for."""
    if to_status == Project.Status.IN_REVIEW and not Need.objects.filter(project=project).exists():
        raise DomainError(_("Add at least one need before submitting the project for review."))


def refuse_currency_change_once_pledged(*, project):
    """Pledges are in the project's currency: once one exists, the currency stays."""
    if Pledge.objects.filter(need__project=project).exists():
        raise DomainError(_("The currency cannot change once something has been pledged or spent."), field="currency")


GIVING_DETAILS_FIELDS = ("bank_holder", "bank_account", "bank_name", "cash_contact", "payment_days", "public")
MOBILE_MONEY_FIELDS = ("operator", "number", "holder")
COLLECTION_POINT_FIELDS = ("name", "address", "hours", "contact", "map_url")


def _checked(instance, *, within=""):
    """The row as its model's rules accept it, or a DomainError naming the first wrong field
    ("collection_points.0.map_url" for a field of a listed row)."""
    try:
        instance.full_clean(exclude=("project",))
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise DomainError(messages[0], field=f"{within}{field}") from None
    return instance


@transaction.atomic
def giving_details_set(*, project, actor, details, mobile_money=(), collection_points=()):
    """The leads say how to give: `details` (GIVING_DETAILS_FIELDS), then the mobile-money numbers
    and collection points in their order, each a dict of its fields. The rows are replaced as a
    whole: nothing refers to them, and the page and the API send the full list."""
    project = Project.objects.lock(project.pk)
    if not project_permissions.can_manage_project(actor, project):
        raise NotAllowed(_("Only the project's leads may say how to give."))
    mobile_money, collection_points = list(mobile_money), list(collection_points)
    if len(mobile_money) > MOBILE_MONEY_ACCOUNTS_MAX:
        raise DomainError(
            _("At most %(count)d mobile-money numbers.") % {"count": MOBILE_MONEY_ACCOUNTS_MAX}, field="mobile_money"
        )
    if len(collection_points) > COLLECTION_POINTS_MAX:
        raise DomainError(
            _("At most %(count)d collection points.") % {"count": COLLECTION_POINTS_MAX}, field="collection_points"
        )
    row = GivingDetails.objects.filter(project=project).first() or GivingDetails(project=project)
    for name in GIVING_DETAILS_FIELDS:
        if name in details:
            value = details[name]
            setattr(row, name, value.strip() if isinstance(value, str) else value)
    _checked(row)
    accounts = [
        _checked(
            MobileMoneyAccount(project=project, position=position, **_stripped(entry, MOBILE_MONEY_FIELDS)),
            within=f"mobile_money.{position}.",
        )
        for position, entry in enumerate(mobile_money)
    ]
    points = [
        _checked(
            CollectionPoint(project=project, position=position, **_stripped(entry, COLLECTION_POINT_FIELDS)),
            within=f"collection_points.{position}.",
        )
        for position, entry in enumerate(collection_points)
    ]
    row.save()
    MobileMoneyAccount.objects.filter(project=project).delete()
    MobileMoneyAccount.objects.bulk_create(accounts)
    CollectionPoint.objects.filter(project=project).delete()
    CollectionPoint.objects.bulk_create(points)
    # Shown on the project's page when public; its donors' and leads' own renders too.
    cache_versions.project_changed(project)
    return row


def _stripped(entry, names):
    return {name: (entry.get(name) or "").strip() for name in names}
