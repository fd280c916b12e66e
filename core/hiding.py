"""Content that flags can hide: a project, an update, a pledge's message, a member's profile.

The state lives on the content itself, so that each app filters its own public querysets
without knowing about flags (the moderation app, above them all, sets and clears it). Hidden
content is gone from every public surface; its author still sees it, marked hidden, with why.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

HIDDEN_REASON_MAX_LENGTH = 200


def hidden_at_field():
    return models.DateTimeField(_("hidden since"), null=True, blank=True, editable=False)


def hidden_reason_field():
    return models.CharField(
        _("why it is hidden"), max_length=HIDDEN_REASON_MAX_LENGTH, blank=True, default="", editable=False
    )


class Hideable(models.Model):
    """Set only by the moderation services: never typed in a form, never sent by the API."""

    hidden_at = hidden_at_field()
    hidden_reason = hidden_reason_field()

    class Meta:
        abstract = True

    @property
    def is_hidden(self):
        return self.hidden_at is not None
