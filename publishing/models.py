"""What a project publishes about itself: milestones, updates, expenses, photos, and the
timeline that orders them with the progress thresholds it reached.

Everything here is added, not rewritten: a done milestone keeps its date, an expense is
corrected by a reversing entry, a threshold is reached once. The timeline is one table of
entries pointing at those rows, written by the services that create them, so a project
page or a feed reads one page of entries in a fixed number of queries.
"""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from core.hiding import Hideable
from core.rich_text import markdown_excerpt, markdown_html_kept
from projects.models import Project
from publishing.limits import (
    MILESTONE_DESCRIPTION_MAX,
    MILESTONE_EVIDENCE_MAX,
    UPDATE_BODY_MAX,
    UPDATE_EXCERPT_CHARACTERS,
)

AMOUNT_FIELD = {"max_digits": 14, "decimal_places": 2}


class Milestone(models.Model):
    """An ordered step of a project ("Terrain obtenu", "Équipement réuni")."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("project"))
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(
        _("description"),
        blank=True,
        max_length=MILESTONE_DESCRIPTION_MAX,
        validators=[MaxLengthValidator(MILESTONE_DESCRIPTION_MAX)],
    )
    target_date = models.DateField(_("target date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    done_on = models.DateField(_("date done"), null=True, blank=True)
    evidence_note = models.TextField(
        _("evidence"),
        blank=True,
        max_length=MILESTONE_EVIDENCE_MAX,
        validators=[MaxLengthValidator(MILESTONE_EVIDENCE_MAX)],
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="done", done_on__isnull=False) | ~models.Q(status="done"),
                name="milestone_done_has_date",
            ),
        ]

    def __str__(self):
        return self.title


class Update(Hideable, models.Model):
    """A post by a lead on the project's timeline, emailed to supporters when published."""

    class Audience(models.TextChoices):
        PUBLIC = "public", _("Everyone")
        SUPPORTERS = "supporters", _("Supporters only")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="updates", verbose_name=_("project"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    title = models.CharField(_("title"), max_length=140)
    body = models.TextField(
        _("text"),
        max_length=UPDATE_BODY_MAX,
        validators=[MaxLengthValidator(UPDATE_BODY_MAX)],
        help_text=_("Markdown: **bold**, *italic*, lists, links."),
    )
    audience = models.CharField(_("who may read it"), max_length=20, choices=Audience.choices, default=Audience.PUBLIC)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Empty while a draft; set once, by the service that publishes it and queues its emails.
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("update")
        verbose_name_plural = _("updates")
        ordering = ["-published_at", "-id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("publishing:update", kwargs={"slug": self.project.slug, "update_id": self.pk})

    @property
    def supporters_only(self):
        return self.audience == self.Audience.SUPPORTERS

    @cached_property
    def body_html(self):
        """The text as safe HTML, as the project's story is (Project.story_html): Markdown
        rendered, then sanitised by nh3 (no scripts, no styles, no event attributes)."""
        return markdown_html_kept(self.body)

    @cached_property
    def excerpt(self):
        """(HTML, whether the text was cut): its first UPDATE_EXCERPT_CHARACTERS or so, for the
        project's timeline, which links to the whole update; a short update is shown whole."""
        text, cut = markdown_excerpt(self.body, characters=UPDATE_EXCERPT_CHARACTERS)
        return (markdown_html_kept(text), True) if cut else (self.body_html, False)

    @property
    def excerpt_html(self):
        return self.excerpt[0]

    @property
    def excerpt_is_cut(self):
        return self.excerpt[1]


class Expense(models.Model):
    """Money spent from what was collected, in the project's currency. Never edited or deleted:
    a correction is a new entry with `reverses` set and the opposite amount."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="expenses", verbose_name=_("project"))
    need = models.ForeignKey(
        "donations.Need",
        on_delete=models.PROTECT,
        related_name="expenses",
        null=True,
        blank=True,
        verbose_name=_("need it serves"),
    )
    description = models.CharField(_("what"), max_length=200)
    supplier = models.CharField(_("supplier"), max_length=120, blank=True)
    amount = models.DecimalField(_("amount"), **AMOUNT_FIELD)
    # Copied from the project when recorded, so a sum per currency never mixes currencies.
    currency = models.CharField(_("currency"), max_length=3)
    spent_on = models.DateField(_("date"))
    # An image (resized, EXIF stripped) or a PDF: the supplier's receipt or invoice.
    scan = models.FileField(_("supplier's receipt"), upload_to="expenses/", blank=True)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by", verbose_name=_("corrects")
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("expense")
        verbose_name_plural = _("expenses")
        ordering = ["-spent_on", "-id"]
        constraints = [
            # Only a reversal may be negative, and nothing is zero.
            models.CheckConstraint(
                condition=models.Q(amount__gt=0) | models.Q(amount__lt=0, reverses__isnull=False),
                name="expense_negative_only_reversal",
            ),
        ]

    def __str__(self):
        return f"{self.description} ({self.amount} {self.currency})"

    @property
    def is_reversal(self):
        return self.reverses_id is not None


class Photo(models.Model):
    """A photo of an update or evidence of a milestone, stored resized and without EXIF."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="photos")
    update = models.ForeignKey(Update, on_delete=models.CASCADE, related_name="photos", null=True, blank=True)
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="photos", null=True, blank=True)
    image = models.ImageField(_("photo"), upload_to="photos/", width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(update__isnull=False, milestone__isnull=True)
                | models.Q(update__isnull=True, milestone__isnull=False),
                name="photo_one_owner",
            ),
        ]

    def __str__(self):
        return self.caption or self.image.name


class TimelineEntry(models.Model):
    """One line of a project's timeline and feed, pointing at exactly one published thing."""

    class Kind(models.TextChoices):
        UPDATE = "update", _("Update")
        MILESTONE = "milestone", _("Milestone")
        THRESHOLD = "threshold", _("Threshold reached")
        EXPENSE = "expense", _("Expense")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    # Copied from the update: who may see the entry is decided without joining it.
    supporters_only = models.BooleanField(default=False)
    update = models.OneToOneField(Update, on_delete=models.CASCADE, null=True, blank=True, related_name="entry")
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, null=True, blank=True, related_name="entries")
    threshold = models.OneToOneField(
        "donations.ProgressThreshold", on_delete=models.CASCADE, null=True, blank=True, related_name="entry"
    )
    expense = models.OneToOneField(Expense, on_delete=models.CASCADE, null=True, blank=True, related_name="entry")

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["project", "-at", "-id"], name="timeline_project_at")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="update", update__isnull=False)
                    | models.Q(kind="milestone", milestone__isnull=False)
                    | models.Q(kind="threshold", threshold__isnull=False)
                    | models.Q(kind="expense", expense__isnull=False)
                ),
                name="timeline_entry_points_at_its_kind",
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.at:%Y-%m-%d}"


class UpdateEmailOptOut(models.Model):
    """A supporter who asked not to receive a project's updates by email."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "member"], name="update_opt_out_once")]

    def __str__(self):
        return f"{self.member_id} ✕ {self.project_id}"


class UpdateEmail(models.Model):
    """One email of one update to one supporter: the unique constraint is "one email per person";
    a worker claims pending rows with a conditional UPDATE (see publishing/update_emails.py)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    update = models.ForeignKey(Update, on_delete=models.CASCADE, related_name="emails")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["update", "member"], name="update_email_once_per_member")]
        indexes = [models.Index(fields=["status", "id"], name="update_email_status")]

    def __str__(self):
        return f"{self.update_id} → {self.member_id}: {self.status}"
