"""Flags and the moderation audit.

A flag points at its content through one explicit foreign key per kind (a project, an update,
a pledge whose message is flagged, a member whose profile is flagged) and a `kind` that says
which one is set: the database checks that exactly that one is, and keeps a member to one open
flag per piece of content. A flag stays open until a moderator decides: upheld when the content
is removed, dismissed when it is restored.

A profile belongs to no single community: its flags carry no community, and reach the queue of
every community where the member takes part (moderation/selectors.py).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

NOTE_MAX_LENGTH = 500
ACTION_NOTE_MAX_LENGTH = 1000
TARGET_MAX_LENGTH = 200


class Flag(models.Model):
    class Kind(models.TextChoices):
        PROJECT = "project", _("project")
        UPDATE = "update", _("update")
        PLEDGE = "pledge", _("pledge message")
        PROFILE = "profile", _("profile")

    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam")
        ABUSE = "abuse", _("Abuse or harassment")
        PERSONAL_INFORMATION = "personal_information", _("Personal information exposed")
        FRAUD = "fraud", _("Fraud or misleading")
        OTHER = "other", _("Other")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        UPHELD = "upheld", _("Upheld: content removed")
        DISMISSED = "dismissed", _("Dismissed: content restored")

    # The foreign key that holds each kind's content.
    TARGET_FIELDS = {Kind.PROJECT: "project", Kind.UPDATE: "update", Kind.PLEDGE: "pledge", Kind.PROFILE: "profile"}

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags_made", verbose_name=_("reporter")
    )
    kind = models.CharField(_("what is reported"), max_length=20, choices=Kind.choices)
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, null=True, blank=True, related_name="flags"
    )
    update = models.ForeignKey(
        "publishing.Update", on_delete=models.CASCADE, null=True, blank=True, related_name="flags"
    )
    pledge = models.ForeignKey(
        "donations.Pledge", on_delete=models.CASCADE, null=True, blank=True, related_name="flags"
    )
    profile = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="flags_about"
    )
    # The community whose moderators decide; none for a profile (see the module's docstring).
    community = models.ForeignKey(
        "projects.Community", on_delete=models.CASCADE, null=True, blank=True, related_name="flags"
    )
    reason = models.CharField(_("reason"), max_length=30, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=NOTE_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)
    state = models.CharField(_("decision"), max_length=20, choices=State.choices, default=State.OPEN)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["community", "state"], name="flag_community_state")]
        constraints = [
            # Exactly the foreign key of its kind is set, and a community except for a profile.
            models.CheckConstraint(
                condition=(
                    models.Q(
                        kind="project",
                        project__isnull=False,
                        update__isnull=True,
                        pledge__isnull=True,
                        profile__isnull=True,
                        community__isnull=False,
                    )
                    | models.Q(
                        kind="update",
                        project__isnull=True,
                        update__isnull=False,
                        pledge__isnull=True,
                        profile__isnull=True,
                        community__isnull=False,
                    )
                    | models.Q(
                        kind="pledge",
                        project__isnull=True,
                        update__isnull=True,
                        pledge__isnull=False,
                        profile__isnull=True,
                        community__isnull=False,
                    )
                    | models.Q(
                        kind="profile",
                        project__isnull=True,
                        update__isnull=True,
                        pledge__isnull=True,
                        profile__isnull=False,
                        community__isnull=True,
                    )
                ),
                name="flag_one_target_of_its_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(state="open", decided_at__isnull=True)
                | (~models.Q(state="open") & models.Q(decided_at__isnull=False)),
                name="flag_decided_when_closed",
            ),
            # One open flag per member and piece of content: a second report is refused by the
            # database, however close together the two requests.
            *(
                models.UniqueConstraint(
                    fields=["reporter", field],
                    condition=models.Q(state="open", **{f"{field}__isnull": False}),
                    name=f"flag_open_once_per_{field}",
                )
                for field in ("project", "update", "pledge", "profile")
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.target_id} ({self.get_reason_display()}, {self.state})"

    @property
    def target_field(self):
        return self.TARGET_FIELDS[self.Kind(self.kind)]

    @property
    def target_id(self):
        return getattr(self, f"{self.target_field}_id")

    @property
    def target(self):
        return getattr(self, self.target_field)


class ModerationAction(models.Model):
    """One moderation decision: who, where, what, on what, why. Never edited.

    `actor` is empty for content hidden by the threshold of reports (nobody decided it);
    `community` is empty only for that, on a profile. `target` describes what was acted on in
    words fit for the community's moderators: never an anonymous donor's handle.
    """

    class Action(models.TextChoices):
        APPROVED = "approved", _("Project approved")
        SENT_BACK = "sent_back", _("Project sent back to draft")
        HIDDEN = "hidden", _("Hidden after reports")
        RESTORED = "restored", _("Restored")
        REMOVED = "removed", _("Removed")
        PLEDGE_CORRECTED = "pledge_corrected", _("Pledge corrected")
        SUSPENDED = "suspended", _("Member suspended")
        LIFTED = "lifted", _("Suspension lifted")

    community = models.ForeignKey(
        "projects.Community", on_delete=models.PROTECT, null=True, blank=True, related_name="moderation_actions"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    target = models.CharField(_("on"), max_length=TARGET_MAX_LENGTH)
    note = models.CharField(_("note"), max_length=ACTION_NOTE_MAX_LENGTH, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation actions")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["community", "-at"], name="moderation_action_community")]

    def __str__(self):
        return f"{self.get_action_display()}: {self.target}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("A moderation action is never edited.")
        super().save(*args, **kwargs)
