"""The flags a member made, in their copy of their data (accounts/hooks.py; connected in
ModerationConfig.ready()). A deletion keeps them: a report counted towards hiding content, and
the moderators' decisions on it stand; its reporter is then a deleted member."""

from moderation.models import Flag


def member_data(*, member, data):
    """Each flag the member made, with what it reported (by kind and number, not by the handle of
    a reported member) and its outcome: one query."""
    flags = Flag.objects.filter(reporter=member).order_by("created_at", "id")
    data["flags_made"] = [
        {
            "kind": flag.kind,
            "target": flag.target_id,
            "reason": flag.reason,
            "note": flag.note,
            "created_at": flag.created_at,
            "state": flag.state,
            "decided_at": flag.decided_at,
        }
        for flag in flags
    ]
