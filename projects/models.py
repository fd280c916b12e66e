"""Communities and their projects, with the project lifecycle."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from core.currencies import Currency
from core.hiding import Hideable
from core.rich_text import markdown_html_kept
from core.scripts import has_right_to_left_letters
from projects.limits import (
    CANCELLATION_REASON_MAX,
    COMMUNITY_DESCRIPTION_MAX,
    STORY_MAX,
    TRANSITION_NOTE_MAX,
)


class Community(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    hashtag = models.CharField(_("hashtag"), max_length=60, blank=True, help_text=_("Without the #."))
    description = models.TextField(
        _("description"),
        blank=True,
        max_length=COMMUNITY_DESCRIPTION_MAX,
        validators=[MaxLengthValidator(COMMUNITY_DESCRIPTION_MAX)],
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="communities", verbose_name=_("members")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("pages:community", kwargs={"slug": self.slug})


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", _("member")
        MODERATOR = "moderator", _("moderator")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)
    # Set by a moderator of the community (moderation app): a suspended member may not propose,
    # pledge, post or flag in this community until lifted. The audit row says who and when.
    suspended_at = models.DateTimeField(_("suspended since"), null=True, blank=True, editable=False)
    suspension_reason = models.CharField(_("reason for suspension"), max_length=500, blank=True, default="")

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["community", "member"], name="membership_unique")]

    def __str__(self):
        return f"{self.member} in {self.community} ({self.role})"

    @property
    def is_suspended(self):
        return self.suspended_at is not None


class Category(models.TextChoices):
    EDUCATION = "education", _("Education")
    WARM_CLOTHING = "warm_clothing", _("Warm clothing")
    FOOD_AID = "food_aid", _("Food aid")
    HEALTH = "health", _("Health")
    WATER = "water", _("Water")
    HOUSING = "housing", _("Housing")
    EMERGENCY = "emergency", _("Emergency")
    OTHER = "other", _("Other")


class ProjectQuerySet(models.QuerySet):
    def lock(self, pk):
        """The project's row, locked until the transaction ends. Every write on a project takes it
        first (then need, pledge, payment, receipt counters): the one lock order that keeps
        concurrent writes from deadlocking."""
        return self.select_for_update().get(pk=pk)

    def public(self):
        """Projects anyone may see (Project.is_public is the same rule for one project)."""
        return self.filter(_public_condition())

    def not_public(self):
        """Drafts, proposals, projects hidden by moderation, drafts cancelled before they opened."""
        return self.exclude(_public_condition())

    def visible_to(self, member):
        """Public projects, plus those a member leads (drafts, hidden or not), and in the
        communities they moderate: proposals, hidden projects, and cancelled ones they reviewed."""
        if not member.is_authenticated:
            return self.public()
        if member.is_superuser:
            return self
        # Subqueries rather than joins: no duplicate rows, so no DISTINCT, which SQLite cannot
        # wrap in COUNT(*) once the list's progress annotations are added (parser stack overflow).
        led = Project.leads.through.objects.filter(member_id=member.pk).values("project_id")
        moderated = Membership.objects.filter(member_id=member.pk, role=Membership.Role.MODERATOR).values("community")
        reviewed = ProjectTransition.objects.filter(project=models.OuterRef("pk"), to_status=Project.Status.IN_REVIEW)
        return self.filter(
            _public_condition()
            | models.Q(pk__in=led)
            | (
                models.Q(community_id__in=moderated)
                & ~models.Q(status=Project.Status.DRAFT)
                & (~_cancelled_unopened() | models.Q(models.Exists(reviewed)))
            )
        )


def _cancelled_unopened():
    return models.Q(status=Project.Status.CANCELLED, opened_at__isnull=True)


def _public_condition():
    """Past review, not hidden by moderation, and not a draft cancelled before it ever opened
    (that one was never public: it stays its leads')."""
    return models.Q(status__in=Project.PUBLIC_STATUSES, hidden_at__isnull=True) & ~_cancelled_unopened()


class Project(Hideable, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    # The lifecycle: each status and the statuses it may move to. Anything else is refused.
    ALLOWED_MOVES = {
        Status.DRAFT: {Status.IN_REVIEW, Status.CANCELLED},
        Status.IN_REVIEW: {Status.OPEN, Status.DRAFT, Status.CANCELLED},
        Status.OPEN: {Status.CLOSED, Status.CANCELLED},
        Status.CLOSED: {Status.OPEN, Status.COMPLETED, Status.CANCELLED},
        Status.COMPLETED: set(),
        Status.CANCELLED: set(),
    }
    PUBLIC_STATUSES = (Status.OPEN, Status.CLOSED, Status.COMPLETED, Status.CANCELLED)

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="projects", verbose_name=_("community")
    )
    title = models.CharField(_("title"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=140, unique=True)
    summary = models.CharField(_("summary"), max_length=200, blank=True)
    story = models.TextField(
        _("story"),
        blank=True,
        max_length=STORY_MAX,
        validators=[MaxLengthValidator(STORY_MAX)],
        help_text=_("Markdown: **bold**, *italic*, lists, links."),
    )
    village = models.CharField(_("village or town"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, help_text=_("Two-letter code: MA, TG, BF, FR…"))
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    cover_image = models.ImageField(_("cover image"), upload_to="covers/", blank=True)
    leads = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="led_projects", verbose_name=_("leads"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.MAD)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    hashtag = models.CharField(_("hashtag"), max_length=60, blank=True, help_text=_("Without the #."))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    cancellation_reason = models.TextField(
        _("reason for cancellation"),
        blank=True,
        max_length=CANCELLATION_REASON_MAX,
        validators=[MaxLengthValidator(CANCELLATION_REASON_MAX)],
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="project_status_created"),
            # The home and community lists, newest first: read 12 rows down the index rather than
            # sort every public project on each cache miss.
            models.Index(fields=["-created_at", "-id"], name="project_newest"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("pages:project", kwargs={"slug": self.slug})

    @property
    def is_public(self):
        """Shown to anyone: the rule of ProjectQuerySet.public, for this one project."""
        if self.status not in self.PUBLIC_STATUSES or self.is_hidden:
            return False
        return not (self.status == self.Status.CANCELLED and self.opened_at is None)

    @property
    def takes_pledges(self):
        return self.status == self.Status.OPEN

    @property
    def place(self):
        parts = [part for part in (self.village, self.region, self.country) if part]
        # Arabic names are listed with the Arabic comma, which reads in their direction.
        return ("، " if any(has_right_to_left_letters(part) for part in parts) else ", ").join(parts)

    @cached_property
    def story_html(self):
        """The story as safe HTML: Markdown rendered, then sanitised (no scripts, no styles)."""
        return markdown_html_kept(self.story)

    def can_move_to(self, status):
        return status in self.ALLOWED_MOVES[self.Status(self.status)]


class ProjectTransition(models.Model):
    """One move through the lifecycle: who, when, from what to what, and why. Never edited."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=Project.Status.choices)
    to_status = models.CharField(max_length=20, choices=Project.Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(
        blank=True, max_length=TRANSITION_NOTE_MAX, validators=[MaxLengthValidator(TRANSITION_NOTE_MAX)]
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("project transition")
        verbose_name_plural = _("project transitions")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.project}: {self.from_status} → {self.to_status}"


class LeadInvitationQuerySet(models.QuerySet):
    def open(self, *, now=None):
        """Waiting for the member's answer, and not lapsed."""
        return self.filter(status=LeadInvitation.Status.PENDING, expires_at__gt=now or timezone.now())


class LeadInvitation(models.Model):
    """A lead (or a moderator of the community) asks a member to become a co-lead; the member
    accepts or declines, a lead may withdraw it, and it lapses at `expires_at`. One move out of
    "pending", recorded with its time: the row is its own audit."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")

    # Every answer ends it: nothing leaves a final state.
    ALLOWED_MOVES = {
        Status.PENDING: {Status.ACCEPTED, Status.DECLINED, Status.WITHDRAWN, Status.EXPIRED},
        Status.ACCEPTED: set(),
        Status.DECLINED: set(),
        Status.WITHDRAWN: set(),
        Status.EXPIRED: set(),
    }

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="lead_invitations", verbose_name=_("project")
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lead_invitations", verbose_name=_("member")
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("invited by")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("invited"), default=timezone.now)
    expires_at = models.DateTimeField(_("open until"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    # Who withdrew it (a lead, or a moderator); accepting and declining are the member's own.
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )

    objects = LeadInvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("lead invitation")
        verbose_name_plural = _("lead invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open invitation per project and member; answered ones stay as the record.
            models.UniqueConstraint(
                fields=["project", "member"], condition=models.Q(status="pending"), name="lead_invitation_one_open"
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending", answered_at__isnull=True)
                | (~models.Q(status="pending") & models.Q(answered_at__isnull=False)),
                name="lead_invitation_answered_once_closed",
            ),
        ]
        # A member's open invitations (their list): the member's column leads.
        indexes = [models.Index(fields=["member", "status"], name="lead_invitation_member")]

    def __str__(self):
        return f"{self.member} → {self.project} ({self.status})"

    @property
    def is_open(self):
        return self.status == self.Status.PENDING and self.expires_at > timezone.now()

    @property
    def shown_status(self):
        """The status as members read it: a pending invitation past its date has lapsed."""
        if self.status == self.Status.PENDING and self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status(self.status)

    def can_move_to(self, status):
        return status in self.ALLOWED_MOVES[self.Status(self.status)]


class LeadChange(models.Model):
    """One change of a project's leads after its creation: who joined or left, who did it, when.
    Never edited; shown on the team page, so that a removal is never silent."""

    class Kind(models.TextChoices):
        ADDED = "added", _("added as a lead")
        JOINED = "joined", _("accepted an invitation")
        REMOVED = "removed", _("removed from the leads")
        STEPPED_DOWN = "stepped_down", _("stepped down")
        ACCOUNT_DELETED = "account_deleted", _("deleted their account")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="lead_changes")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("change of leads")
        verbose_name_plural = _("changes of leads")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.project}: {self.member} {self.kind}"
