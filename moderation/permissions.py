"""Who moderates where, and who may flag what. Built on projects/permissions.py; the views ask
here before showing a form, and the services ask again.

A moderator moderates their communities only: nothing in another community, however reached.
Superusers moderate everywhere (projects.permissions.is_moderator says so).
"""

from django.utils.translation import gettext as _

from projects.models import Membership
from projects.permissions import is_lead, is_moderator, is_suspended


def can_moderate(member, community):
    """The community's queue and every action in it. `community` None is the site's own queue
    (profiles of members who take part in no community): superusers only."""
    if community is None:
        return member.is_authenticated and member.is_superuser
    return is_moderator(member, community)


def is_protected_from_moderators(member):
    """Moderators and superusers: a moderator may not suspend them, nor decide on their profile."""
    if member.is_superuser:
        return True
    return Membership.objects.filter(member_id=member.pk, role=Membership.Role.MODERATOR).exists()


def own_content_reason(member, flag_kind, content):
    """Why `member` may not flag this content as their own, or None. A lead's own project and
    its updates are theirs to edit; their pledge's message and their profile are theirs too."""
    from moderation.models import Flag

    if flag_kind == Flag.Kind.PROJECT and is_lead(member, content):
        return _("You lead this project: you cannot report it.")
    if flag_kind == Flag.Kind.UPDATE and (content.author_id == member.pk or is_lead(member, content.project)):
        return _("This update is your project's: edit it instead of reporting it.")
    if flag_kind == Flag.Kind.PLEDGE and content.donor_id == member.pk:
        return _("This is your own message: you cannot report it.")
    if flag_kind == Flag.Kind.PROFILE and content.pk == member.pk:
        return _("This is your own profile: you cannot report it.")
    return None


def is_suspended_for_flagging(member, community_id):
    """A member suspended in the content's community may not flag there; a profile (no
    community) may not be flagged by a member suspended anywhere."""
    if community_id is not None:
        return is_suspended(member, community_id)
    return Membership.objects.filter(member_id=member.pk, suspended_at__isnull=False).exists()
