"""Receipts: who issues them, how they are numbered, what each one says.

A receipt is never edited once issued: it holds a snapshot of everything it prints, and a
correction voids it and issues a replacement that names it (receipts/services.py).
"""

import os
import secrets

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from receipts.limits import ADDRESS_MAX, ISSUER_PURPOSE_MAX, VOID_REASON_MAX


@deconstructible
class PrivateReceiptStorage(FileSystemStorage):
    """Receipt PDFs, under settings.PRIVATE_MEDIA_ROOT/receipts, never under MEDIA_ROOT.

    A receipt may carry a donor's legal name and address, and MEDIA_ROOT may be served as is:
    these files are only ever returned by the download views, after a permission check. The
    location is read when used, so tests (and deployments) can move it.
    """

    @property
    def base_location(self):
        return os.fspath(settings.PRIVATE_MEDIA_ROOT / "receipts")

    @property
    def location(self):
        return os.path.abspath(self.base_location)


def receipt_languages():
    # A callable, so that a language added to the site is not a model change.
    return settings.LANGUAGES


def new_receipt_code():
    """The code of a receipt's public verification page: 128 random bits, not the number
    (numbers follow each other, so anyone could walk through them)."""
    return secrets.token_urlsafe(16)


class Issuer(models.Model):
    """The association that issues a community's receipts, with the legal details they print."""

    class TaxArticle(models.TextChoices):
        INDIVIDUALS = "200", _("Article 200 of the CGI (gifts from individuals)")
        COMPANIES = "238 bis", _("Article 238 bis of the CGI (gifts from companies)")

    community = models.OneToOneField(
        "projects.Community", on_delete=models.PROTECT, related_name="receipt_issuer", verbose_name=_("community")
    )
    legal_name = models.CharField(_("legal name"), max_length=200)
    address = models.TextField(
        _("address"),
        max_length=ADDRESS_MAX,
        validators=[MaxLengthValidator(ADDRESS_MAX)],
        help_text=_("As it should be printed, one line per line."),
    )
    registration_number = models.CharField(
        _("registration number"), max_length=100, help_text=_("e.g. RNA W751234567, SIREN, or the local registry.")
    )
    logo = models.ImageField(_("logo"), upload_to="issuers/", blank=True)
    signatory_name = models.CharField(_("signatory"), max_length=120)
    signatory_title = models.CharField(_("signatory's title"), max_length=120, help_text=_("e.g. Treasurer"))
    signature_place = models.CharField(_("place of signature"), max_length=100, help_text=_("e.g. Lyon"))
    number_prefix = models.CharField(
        _("number prefix"),
        max_length=12,
        unique=True,
        validators=[RegexValidator(r"^[A-Z0-9]{2,12}$", _("2 to 12 capital letters or digits."))],
        help_text=_("Receipts are numbered PREFIX-YEAR-000123."),
    )
    language = models.CharField(
        _("language of receipts"), max_length=10, choices=receipt_languages, default=settings.LANGUAGE_CODE
    )
    # Bilingual receipts (Arabic and French, in Morocco): each text in both languages, the first
    # one's direction for the page. A French tax receipt stays in French only (snapshots.py).
    second_language = models.CharField(
        _("second language of receipts"),
        max_length=10,
        choices=receipt_languages,
        blank=True,
        help_text=_("Receipts then print each text in both languages. French tax receipts stay in French only."),
    )
    french_tax_receipts = models.BooleanField(
        _("issues French tax receipts"),
        default=False,
        help_text=_("Eligible to issue receipts for gifts to organisations of general interest (CERFA 11580)."),
    )
    tax_article = models.CharField(_("article of the CGI"), max_length=10, choices=TaxArticle.choices, blank=True)
    tax_category = models.CharField(
        _("kind of organisation"),
        max_length=200,
        blank=True,
        help_text=_("As on the CERFA form, e.g. “Œuvre ou organisme d'intérêt général”."),
    )
    purpose = models.TextField(
        _("object of the organisation"),
        blank=True,
        max_length=ISSUER_PURPOSE_MAX,
        validators=[MaxLengthValidator(ISSUER_PURPOSE_MAX)],
        help_text=_("As in its statutes."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("receipt issuer")
        verbose_name_plural = _("receipt issuers")
        ordering = ["legal_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(french_tax_receipts=False)
                | (~models.Q(tax_article="") & ~models.Q(purpose="") & ~models.Q(tax_category="")),
                name="issuer_tax_receipts_need_article_purpose_category",
            ),
            models.CheckConstraint(
                condition=models.Q(second_language="") | ~models.Q(second_language=models.F("language")),
                name="issuer_second_language_differs",
                violation_error_message=_("The second language of receipts must differ from the first."),
            ),
        ]

    def __str__(self):
        return self.legal_name


class ReceiptCounter(models.Model):
    """The last number given, per issuer, year and kind of receipt.

    Its row is locked (SELECT … FOR UPDATE) by the transaction that issues a receipt and
    incremented under that lock, so numbers have no gap and no duplicate even when receipts
    are issued at the same moment; a rolled-back issue gives its number back with the rest.
    """

    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="counters")
    year = models.PositiveIntegerField()
    kind = models.CharField(max_length=10)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "year", "kind"], name="receipt_counter_unique")]

    def __str__(self):
        return f"{self.issuer_id}/{self.year}/{self.kind}: {self.last_number}"


class ReceiptQuerySet(models.QuerySet):
    def valid(self):
        return self.filter(status=Receipt.Status.VALID)


class Receipt(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Receipt for a gift")
        YEARLY = "yearly", _("Yearly receipt")

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        VOID = "void", _("Void")

    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("issuer"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    year = models.PositiveIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("number in the year's sequence"))
    number = models.CharField(_("number"), max_length=40, unique=True)
    code = models.CharField(_("verification code"), max_length=32, unique=True, default=new_receipt_code)
    # A single receipt is for one pledge (all that arrived on it); a yearly one for a donor's year.
    pledge = models.ForeignKey(
        "donations.Pledge",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="receipts",
        verbose_name=_("pledge"),
    )
    donor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("donor")
    )
    is_tax_receipt = models.BooleanField(_("French tax receipt"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.VALID)
    void_reason = models.TextField(
        _("why it is void"), blank=True, max_length=VOID_REASON_MAX, validators=[MaxLengthValidator(VOID_REASON_MAX)]
    )
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("replaces"),
    )
    # A gift is on one valid receipt only: when a donor's yearly receipt is issued, the per-gift
    # receipts it covers are voided and point to it (yearly.py).
    replaced_by_yearly = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_gift_receipts",
        verbose_name=_("replaced by the yearly receipt"),
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    # Everything the document prints, as it was when issued (see snapshots.py for the keys).
    snapshot = models.JSONField(_("contents"))
    pdf = models.FileField(_("PDF"), storage=PrivateReceiptStorage(), upload_to="%Y/", blank=True)
    # When the donor was emailed their link (delivery.py): set once, after the email left, so that
    # delivering again (a retried or redelivered task) does not email them twice.
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    objects = ReceiptQuerySet.as_manager()

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["donor", "-issued_at"], name="receipt_donor_issued")]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "year", "kind", "sequence"], name="receipt_number_unique"),
            # One valid receipt per pledge, and one valid yearly receipt per donor, issuer and year:
            # the database refuses a second one, whatever races the code may have.
            models.UniqueConstraint(
                fields=["pledge"],
                condition=models.Q(kind="single", status="valid"),
                name="receipt_one_valid_per_pledge",
            ),
            models.UniqueConstraint(
                fields=["issuer", "donor", "year"],
                condition=models.Q(kind="yearly", status="valid"),
                name="receipt_one_valid_yearly_per_donor",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="single", pledge__isnull=False) | models.Q(kind="yearly", pledge__isnull=True),
                name="receipt_single_has_pledge",
            ),
            models.CheckConstraint(condition=models.Q(sequence__gt=0), name="receipt_sequence_positive"),
        ]

    def __str__(self):
        return self.number

    @property
    def is_valid(self):
        return self.status == self.Status.VALID

    @property
    def is_yearly(self):
        return self.kind == self.Kind.YEARLY


class DonorTaxIdentity(models.Model):
    """A donor's legal name and address, given only to get receipts in that name (tax receipts).

    Private: printed on the donor's own receipts and nowhere else — no page, no API, no admin.
    Receipts copy it when issued; changing or removing it later leaves them as they were.
    """

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tax_identity", verbose_name=_("member")
    )
    legal_name = models.CharField(_("full legal name"), max_length=200)
    address = models.TextField(
        _("postal address"), max_length=ADDRESS_MAX, validators=[MaxLengthValidator(ADDRESS_MAX)]
    )
    updated_at = models.DateTimeField(_("last changed"), default=timezone.now)

    class Meta:
        verbose_name = _("donor's legal identity")
        verbose_name_plural = _("donors' legal identities")

    def __str__(self):
        # Never the legal name: this may end up in a log line.
        return f"legal identity of member {self.member_id}"
