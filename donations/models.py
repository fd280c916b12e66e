"""Needs, pledges and receptions: what a project asks for, what donors promise, what arrived.

One number, `quantity`, carries every kind of need: an amount in the project's currency for
cash, a count of units for material (and, later, hours or days for time). The need's kind
says how to read it, so a new kind is a new choice and a label, not new columns.

Nothing here is edited in place: a reception is added, a pledge's status moves and leaves
an event behind. Progress is summed from these rows in the database (see progress.py).
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.currencies import decimal_places
from core.hiding import hidden_at_field, hidden_reason_field
from core.scripts import is_latin
from donations.limits import (
    PAYMENT_DAYS_DEFAULT,
    PAYMENT_DAYS_MAX,
    PLEDGE_MESSAGE_MAX,
    PLEDGE_REASON_STORED_MAX,
    RECEPTION_NOTE_MAX,
)
from donations.references import reference_for
from projects.models import Project
from projects.permissions import can_see_anonymous_donors

SEARCH_TEXT_MAX = 12_000
SEARCH_ITEMS_MAX = 8_000
QUANTITY_MAX = Decimal("1000000000")  # a billion units or currency units: far above any gift
QUANTITY_FIELD = {"max_digits": 14, "decimal_places": 2}


# Units that are measured rather than counted: a need in one of these takes fractions (2.5 kg,
# 12.5 m²) unless its lead says otherwise; a need in any other unit (pièce, sac, paire, kit,
# livre…) is counted in whole units unless its lead says otherwise (counted_whole).
MEASURED_UNITS = frozenset(
    {"g", "gramme", "grammes", "gram", "grams", "kg", "kilo", "kilos", "kilogramme", "kilogrammes", "kilogram"}
    | {"kilograms", "t", "tonne", "tonnes", "ton", "tons", "quintal", "quintaux"}
    | {"ml", "cl", "dl", "l", "litre", "litres", "liter", "liters"}
    | {"mm", "cm", "m", "km", "mètre", "mètres", "metre", "metres", "meter", "meters"}
    | {"m2", "m²", "m3", "m³", "ha", "hectare", "hectares", "are", "ares"}
)


def counted_whole(unit):
    """Whether a material need in this unit is, by default, counted in whole units: yes for
    anything but a measure (MEASURED_UNITS): blankets, desks, bags of cement are; kg, m² are not."""
    return (unit or "").strip().lower().rstrip(".") not in MEASURED_UNITS


def default_unit_plural(unit):
    """The usual plural of a unit as leads type them, in French first (the demo's and most
    communities' language), which English shares for the common cases: "pièce" → "pièces",
    "sac de ciment" → "sacs de ciment", "seau" → "seaux", "jeu" → "jeux". Measures and
    abbreviations (kg, m², l, t) and words already ending in s, x or z stay as they are. A lead
    types the plural when the rule is wrong ("cheval" → "chevaux")."""
    unit = (unit or "").strip()
    if not unit or unit.lower().rstrip(".") in MEASURED_UNITS:
        return unit
    first, _space, rest = unit.partition(" ")
    # Only Latin words take an -s: an Arabic unit ("كيس", a bag) has a plural of its own, which
    # the lead types ("أكياس"); until then it stays as typed.
    if len(first) <= 2 or not first.isalpha() or first[-1].lower() in "sxz" or not is_latin(first):
        return unit
    plural = first + ("x" if first.lower().endswith(("eau", "eu")) else "s")
    return f"{plural} {rest}" if rest else plural


def validate_bank_account(value):
    """An IBAN (FR76 3000 …, up to 34 letters and digits) or a Moroccan RIB (24 digits), as
    printed: letters, digits and spaces only, 10 to 34 of them once spaces are removed."""
    compact = value.replace(" ", "")
    if not compact.isascii() or not compact.isalnum() or not 10 <= len(compact) <= 34:
        raise ValidationError(_("Enter the account number as printed: an IBAN or a RIB, letters and digits only."))


def validate_phone_number(value):
    """A phone number as people write it: digits, spaces, dots, dashes and a leading +."""
    digits = value.replace(" ", "").replace(".", "").replace("-", "")
    if digits.startswith("+"):
        digits = digits[1:]
    if not digits.isascii() or not digits.isdigit() or not 6 <= len(digits) <= 15:
        raise ValidationError(
            _("Enter a phone number: digits, with the country code if abroad (e.g. +228 90 12 34 56).")
        )


def quantity_field(verbose_name, **kwargs):
    return models.DecimalField(
        verbose_name,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(QUANTITY_MAX)],
        **QUANTITY_FIELD,
        **kwargs,
    )


class Need(models.Model):
    class Kind(models.TextChoices):
        CASH = "cash", _("Cash")
        MATERIAL = "material", _("Material")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="needs", verbose_name=_("project"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    label = models.CharField(_("what"), max_length=120, help_text=_("e.g. “blankets”, “building fund”."))
    unit = models.CharField(_("unit"), max_length=40, blank=True, help_text=_("e.g. piece, kg, m². Material only."))
    # "3 pièces", "1 pièce": empty means the usual plural of `unit` (default_unit_plural).
    unit_plural = models.CharField(
        _("unit, plural"),
        max_length=40,
        blank=True,
        help_text=_("e.g. pieces. Leave empty for the usual plural (pièce → pièces, kg → kg)."),
    )
    target_quantity = quantity_field(_("goal"))
    estimated_unit_value = models.DecimalField(
        _("estimated value per unit"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Optional, in the project's currency. Material only."),
        **QUANTITY_FIELD,
    )
    # Material only: 1.5 blankets is refused, 2.5 kg is not. False for cash (the currency says
    # how many decimals an amount has). The services choose it from the unit when not given.
    whole_units = models.BooleanField(
        _("counted in whole units"),
        default=False,
        help_text=_("Material only: pieces, bags, desks are counted whole (no 1.5); kg, m², litres are not."),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(target_quantity__gt=0), name="need_target_positive"),
            models.CheckConstraint(
                condition=models.Q(kind="material") | models.Q(estimated_unit_value__isnull=True),
                name="need_unit_value_material_only",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="material") | models.Q(whole_units=False),
                name="need_whole_units_material_only",
            ),
        ]

    def __str__(self):
        return f"{self.label} ({self.project})"

    @property
    def is_cash(self):
        return self.kind == self.Kind.CASH

    @property
    def plural_unit(self):
        return self.unit_plural or default_unit_plural(self.unit)

    @property
    def unit_label(self):
        """What a quantity of this need is counted in: the currency, or the item's unit."""
        return self.project.currency if self.is_cash else self.unit

    @property
    def decimal_places(self):
        """Cash follows the currency (none for XOF); material counted in whole units has none
        (200 blankets), other material two (2.5 t, 12.25 m²)."""
        if self.is_cash:
            return decimal_places(self.project.currency)
        return 0 if self.whole_units else 2


class Pledge(models.Model):
    class Status(models.TextChoices):
        PLEDGED = "pledged", _("Pledged")
        PARTIALLY_FULFILLED = "partially_fulfilled", _("Partially received")
        FULFILLED = "fulfilled", _("Received")
        CANCELLED = "cancelled", _("Cancelled")
        # Card pledges only: money given back through Stripe, in part or in full.
        PARTIALLY_REFUNDED = "partially_refunded", _("Partly refunded")
        REFUNDED = "refunded", _("Refunded")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public, under my handle")
        ANONYMOUS = "anonymous", _("Anonymous")

    class Channel(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        MOBILE_MONEY = "mobile_money", _("Mobile money")
        CASH_IN_HAND = "cash_in_hand", _("Cash in hand")
        DROP_OFF = "drop_off", _("Drop-off at a collection point")
        SHIPPED = "shipped", _("Shipped")
        # Paid through Stripe Checkout, confirmed by Stripe's webhooks (payments/).
        CARD = "card", _("Card (online)")

    class PaymentAlert(models.TextChoices):
        AMOUNT_REFUSED = (
            "amount_refused",
            _(
                "Stripe reported a card payment whose amount or currency differs from this pledge: it is not "
                "counted. Check it in Stripe, then refund it."
            ),
        )
        PAID_AFTER_CANCELLATION = (
            "paid_after_cancellation",
            _(
                "This pledge was paid by card after it was cancelled: the money is counted. Refund it if it "
                "should not be kept."
            ),
        )
        PAID_TWICE = "paid_twice", _("This pledge was paid by card twice: refund one of the payments.")

    # The ways cash arrives that a lead records; CARD joins them when Stripe is configured
    # (see channels_for).
    CASH_CHANNELS = (Channel.BANK_TRANSFER, Channel.MOBILE_MONEY, Channel.CASH_IN_HAND)
    MATERIAL_CHANNELS = (Channel.DROP_OFF, Channel.SHIPPED, Channel.CASH_IN_HAND)
    # Statuses in which the pledge still counts towards its need.
    STANDING_STATUSES = (Status.PLEDGED, Status.PARTIALLY_FULFILLED, Status.FULFILLED, Status.PARTIALLY_REFUNDED)
    # Statuses of a pledge that no longer stands: its donor is no longer counted as a supporter.
    WITHDRAWN_STATUSES = (Status.CANCELLED, Status.REFUNDED)
    # Statuses in which nothing more is expected: the pledge counts for what it brought, net of
    # refunds, instead of what was promised.
    SETTLED_AT_RECEIVED_STATUSES = (Status.CANCELLED, Status.REFUNDED, Status.PARTIALLY_REFUNDED)
    # Statuses in which a lead may still record what arrives.
    RECEIVABLE_STATUSES = (Status.PLEDGED, Status.PARTIALLY_FULFILLED, Status.FULFILLED)

    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="pledges", verbose_name=_("need"))
    donor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pledges", verbose_name=_("donor")
    )
    quantity = quantity_field(_("quantity or amount"))
    visibility = models.CharField(_("visibility"), max_length=20, choices=Visibility.choices, default=Visibility.PUBLIC)
    message = models.CharField(_("message"), max_length=PLEDGE_MESSAGE_MAX, blank=True)
    # Only the message can be flagged: the gift itself always counts and always shows.
    message_hidden_at = hidden_at_field()
    message_hidden_reason = hidden_reason_field()
    channel = models.CharField(_("how it arrives"), max_length=30, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=30, choices=Status.choices, default=Status.PLEDGED)
    cancellation_reason = models.TextField(
        _("reason for cancellation"),
        blank=True,
        max_length=PLEDGE_REASON_STORED_MAX,
        validators=[MaxLengthValidator(PLEDGE_REASON_STORED_MAX)],
    )
    # Set by the card payment confirmations when a lead must look; shown on the lead dashboard.
    payment_alert = models.CharField(_("payment alert"), max_length=30, choices=PaymentAlert.choices, blank=True)
    created_at = models.DateTimeField(_("pledged on"), default=timezone.now)

    class Meta:
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["need", "status"], name="pledge_need_status"),
            models.Index(fields=["donor", "-created_at"], name="pledge_donor_created"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="pledge_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.quantity} {self.need.unit_label} → {self.need.label}"

    @property
    def is_anonymous(self):
        return self.visibility == self.Visibility.ANONYMOUS

    @property
    def is_card(self):
        return self.channel == self.Channel.CARD

    @property
    def reference(self):
        """What the donor quotes on a transfer and a lead searches for (donations/references.py)."""
        return reference_for(self.pk) if self.pk else ""

    @classmethod
    def channels_for(cls, need):
        """The ways a gift to this need may arrive. Card is offered only when Stripe keys are
        set: without them the site runs as before and never mentions cards."""
        if not need.is_cash:
            return cls.MATERIAL_CHANNELS
        if settings.STRIPE_SECRET_KEY:
            return (*cls.CASH_CHANNELS, cls.Channel.CARD)
        return cls.CASH_CHANNELS

    def donor_shown_to(self, viewer):
        """The donor's handle, or None when the pledge is anonymous and the viewer may not know.

        Only the donor and the project's leads see who made an anonymous pledge. A donor whose
        profile moderation hid shows as anonymous too, to everyone else; a deleted account, to
        everyone, leads included (accounts/privacy.py).
        """
        if self.donor.is_erased:
            return None
        if not self.is_anonymous and self.donor.profile_hidden_at is None:
            return self.donor
        if viewer.is_authenticated and (
            viewer.pk == self.donor_id or can_see_anonymous_donors(viewer, self.need.project)
        ):
            return self.donor
        return None

    @property
    def message_is_hidden(self):
        return self.message_hidden_at is not None

    @property
    def public_message(self):
        """The message as the project's page, the API and the leads show it: none while hidden."""
        return "" if self.message_is_hidden else self.message

    def message_shown_to(self, viewer):
        """The message; while moderation hides it, only its donor still reads it (marked hidden)."""
        if viewer.is_authenticated and viewer.pk == self.donor_id:
            return self.message
        return self.public_message


class PledgeEvent(models.Model):
    """The audit trail of a pledge: each status move, who made it and why. Append-only."""

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=30, choices=Pledge.Status.choices, blank=True)
    to_status = models.CharField(max_length=30, choices=Pledge.Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(
        blank=True, max_length=PLEDGE_REASON_STORED_MAX, validators=[MaxLengthValidator(PLEDGE_REASON_STORED_MAX)]
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("pledge event")
        verbose_name_plural = _("pledge events")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.pledge_id}: {self.from_status or '∅'} → {self.to_status}"


class Reception(models.Model):
    """What actually arrived for a pledge, as recorded by a lead. Several per pledge; never edited.

    The need is copied from the pledge (it never changes) so progress per need is one
    indexed sum instead of a join.
    """

    pledge = models.ForeignKey(Pledge, on_delete=models.PROTECT, related_name="receptions", verbose_name=_("pledge"))
    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="receptions", verbose_name=_("need"))
    quantity = quantity_field(_("quantity or amount received"))
    received_on = models.DateField(_("received on"), default=timezone.localdate)
    note = models.CharField(_("note"), max_length=RECEPTION_NOTE_MAX, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("reception")
        verbose_name_plural = _("receptions")
        ordering = ["received_on", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="reception_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.quantity} received for pledge {self.pledge_id}"


# What a card payment gives back. Card payments themselves are Stripe's business (payments/):
# what one adds to progress is a Reception recorded by the "Stripe" system member, and what it
# gives back is a CardRefund, which progress subtracts.


class CardRefund(models.Model):
    """Money given back to a donor on a card pledge, as Stripe reported it (payments/). Never
    edited; deleted only when Stripe reports that the refund failed after all (the money was never
    given back: payments/transitions.py), while the payment's StripeRefund row keeps the record.

    Receptions stay as they were (money did arrive); progress subtracts these from what was
    received (donations/progress.py). The need is copied from the pledge, as for receptions. The
    note names the payment it comes from (its PaymentIntent).
    """

    pledge = models.ForeignKey(Pledge, on_delete=models.PROTECT, related_name="card_refunds", verbose_name=_("pledge"))
    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="card_refunds", verbose_name=_("need"))
    quantity = quantity_field(_("amount refunded"))
    note = models.CharField(_("note"), max_length=280, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("card refund")
        verbose_name_plural = _("card refunds")
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="card_refund_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.quantity} refunded on pledge {self.pledge_id}"


class ProgressThreshold(models.Model):
    """The first time a need reached 25, 50, 75 or 100 % of its goal (received, not promised).

    The unique constraint makes "once" a property of the database: concurrent receptions that
    cross the same line insert one row between them.
    """

    PERCENTS = (25, 50, 75, 100)

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="thresholds")
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="thresholds")
    percent = models.PositiveSmallIntegerField(choices=[(p, f"{p} %") for p in PERCENTS])
    reached_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("progress threshold")
        verbose_name_plural = _("progress thresholds")
        ordering = ["reached_at", "percent"]
        constraints = [models.UniqueConstraint(fields=["need", "percent"], name="threshold_once_per_need")]

    def __str__(self):
        return f"{self.need_id}: {self.percent} %"


class NeedTotals(models.Model):
    """A need's progress as it stands: kept by donations/totals.py in the transaction of every write
    that changes it, under the project's row lock, so pages read it in one row instead of summing
    pledges and receptions on every request. Never typed in; `manage.py verify_totals` compares it
    with the sums that define it (donations/progress.py)."""

    need = models.OneToOneField(Need, on_delete=models.CASCADE, primary_key=True, related_name="totals")
    pledged = models.DecimalField(_("pledged"), default=Decimal("0"), **QUANTITY_FIELD)
    received = models.DecimalField(_("received"), default=Decimal("0"), **QUANTITY_FIELD)
    missing = models.DecimalField(_("missing"), default=Decimal("0"), **QUANTITY_FIELD)
    supporters = models.PositiveIntegerField(_("supporters"), default=0)

    class Meta:
        verbose_name = _("need totals")
        verbose_name_plural = _("need totals")

    def __str__(self):
        return f"{self.need_id}: {self.pledged} / {self.received}"


class ProjectTotals(models.Model):
    """A project's cash progress and supporters as they stand, kept like NeedTotals."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, primary_key=True, related_name="totals")
    cash_target = models.DecimalField(_("cash goal"), default=Decimal("0"), **QUANTITY_FIELD)
    cash_pledged = models.DecimalField(_("cash pledged"), default=Decimal("0"), **QUANTITY_FIELD)
    cash_received = models.DecimalField(_("cash received"), default=Decimal("0"), **QUANTITY_FIELD)
    cash_missing = models.DecimalField(_("cash missing"), default=Decimal("0"), **QUANTITY_FIELD)
    supporters = models.PositiveIntegerField(_("supporters"), default=0)
    # The list's bar, 0 to 100: cash pledged and received against the cash goal, or for a project
    # asking only for material the mean of its needs' percentages (donations/progress.py).
    pledged_percent = models.DecimalField(_("pledged, %"), max_digits=12, decimal_places=6, default=Decimal("0"))
    received_percent = models.DecimalField(_("received, %"), max_digits=12, decimal_places=6, default=Decimal("0"))

    class Meta:
        verbose_name = _("project totals")
        verbose_name_plural = _("project totals")

    def __str__(self):
        return f"{self.project_id}: {self.cash_pledged} / {self.cash_received}"


class GivingDetails(models.Model):
    """How a project's leads receive what is pledged: a bank account, a cash contact, and (rows
    of their own) mobile-money numbers and collection points. A donor sees the part matching the
    way they chose, with their pledge's reference, right after pledging (donations/giving.py).

    Private by default: shown to the project's donors and leads, on the project's page only when
    the leads choose it; never in feeds, cards or reports."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="giving_details")
    bank_holder = models.CharField(_("account holder"), max_length=120, blank=True)
    # An IBAN has at most 34 characters, a Moroccan RIB 24 digits; grouped by spaces as printed.
    bank_account = models.CharField(_("IBAN or RIB"), max_length=50, blank=True, validators=[validate_bank_account])
    bank_name = models.CharField(_("bank"), max_length=120, blank=True)
    cash_contact = models.CharField(
        _("cash contact"),
        max_length=200,
        blank=True,
        help_text=_("Who takes cash in hand, and how to reach them, e.g. “@Sanaa_M, Casablanca, DM open”."),
    )
    payment_days = models.PositiveSmallIntegerField(
        _("days to send a pledge"),
        default=PAYMENT_DAYS_DEFAULT,
        validators=[MinValueValidator(1), MaxValueValidator(PAYMENT_DAYS_MAX)],
        help_text=_("After this many days, a pledge with nothing received shows as overdue, and a lead may cancel it."),
    )
    public = models.BooleanField(
        _("show on the project's page"),
        default=False,
        help_text=_("Otherwise only people who pledged, and the leads, see these details."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("how to give")
        verbose_name_plural = _("how to give")

    def __str__(self):
        return f"{self.project_id}"


class MobileMoneyAccount(models.Model):
    class Operator(models.TextChoices):
        ORANGE_MONEY = "orange_money", "Orange Money"
        WAVE = "wave", "Wave"
        FLOOZ = "flooz", "Flooz"
        TMONEY = "tmoney", "TMoney"
        MOOV_MONEY = "moov_money", "Moov Money"
        MTN_MOMO = "mtn_momo", "MTN Mobile Money"
        M_WALLET = "m_wallet", "M-Wallet"
        INWI_MONEY = "inwi_money", "inwi money"
        OTHER = "other", _("Other")

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="mobile_money_accounts", verbose_name=_("project")
    )
    operator = models.CharField(_("operator"), max_length=20, choices=Operator.choices)
    number = models.CharField(_("number"), max_length=30, validators=[validate_phone_number])
    holder = models.CharField(_("name on the account"), max_length=120, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("mobile-money number")
        verbose_name_plural = _("mobile-money numbers")
        ordering = ["position", "id"]

    def __str__(self):
        return f"{self.get_operator_display()} {self.number}"


class CollectionPoint(models.Model):
    """Where material gifts (and cash in hand, if the leads say so) are brought."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="collection_points", verbose_name=_("project")
    )
    name = models.CharField(_("name"), max_length=120, help_text=_("e.g. “Dar Chabab Tighzit”."))
    address = models.CharField(_("address"), max_length=300)
    hours = models.CharField(_("opening hours"), max_length=120, blank=True, help_text=_("e.g. “Mon–Sat 9–18h”."))
    contact = models.CharField(_("contact"), max_length=120, blank=True)
    map_url = models.URLField(_("map link"), max_length=500, blank=True, validators=[URLValidator(schemes=["https"])])
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("collection point")
        verbose_name_plural = _("collection points")
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class ProjectSearch(models.Model):
    """The words the project list's search finds a project by, as stems (core/search_words.py):
    kept by donations/search.py in the transaction of every write that changes them (the project's
    title, summary, place or hashtag; its needs' labels, units and status), never typed in."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, primary_key=True, related_name="search")
    # Title, summary, village, region, hashtag, and every need's label and unit: the search box (q).
    # Bounded by what they are made of: a project's texts (title 120, summary 200, place 200,
    # hashtag 60) and its 30 needs' labels and units (160 each), about 5 400 characters, twice
    # over for the parts of camel-cased words.
    text = models.TextField(
        _("words"), blank=True, max_length=SEARCH_TEXT_MAX, validators=[MaxLengthValidator(SEARCH_TEXT_MAX)]
    )
    # The labels of its open material needs: the "item needed" filter.
    items = models.TextField(
        _("items needed"), blank=True, max_length=SEARCH_ITEMS_MAX, validators=[MaxLengthValidator(SEARCH_ITEMS_MAX)]
    )

    class Meta:
        verbose_name = _("search words")
        verbose_name_plural = _("search words")

    def __str__(self):
        return f"{self.project_id}: {self.text}"
