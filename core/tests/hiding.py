"""Hiding content in tests as the moderation services do once enough members flagged it (those
services and their thresholds are tested in moderation/): the hidden state set directly."""

from django.utils import timezone

REASON = "Signalé par 3 membres : spam"

# The fields that hide each kind of content (core/hiding.py): a project or an update, a pledge's
# message, a member's profile.
PREFIXES = ("hidden", "message_hidden", "profile_hidden")


def hide(content, reason=REASON):
    """Hide the content (a project, an update, a pledge's message, a profile); returns it."""
    prefix = next(prefix for prefix in PREFIXES if hasattr(content, f"{prefix}_at"))
    setattr(content, f"{prefix}_at", timezone.now())
    setattr(content, f"{prefix}_reason", reason)
    content.save(update_fields=[f"{prefix}_at", f"{prefix}_reason"])
    return content
