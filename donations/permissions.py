"""Who may pledge, cancel a pledge, record what arrived and see a pledge in full.

Built on projects/permissions.py (leads, moderators, the dashboard); pages, API and admin ask
here, and the services ask again.
"""

from django.db.models import Q

from donations.models import Pledge
from projects.models import Membership, Project
from projects.permissions import can_view_dashboard, is_lead


def is_supporter(member, project):
    """A supporter has a standing pledge on one of the project's needs (not cancelled or refunded)."""
    if not member.is_authenticated:
        return False
    return Pledge.objects.filter(need__project=project, donor=member, status__in=Pledge.STANDING_STATUSES).exists()


def can_pledge(member, need):
    return member.is_authenticated


def can_cancel_pledge(member, pledge):
    """The donor may withdraw before anything arrived; a lead may cancel with a reason."""
    if not member.is_authenticated:
        return False
    return pledge.donor_id == member.pk or is_lead(member, pledge.need.project)


def can_record_reception(member, pledge):
    return is_lead(member, pledge.need.project)


def can_view_pledge(member, pledge):
    """A pledge in full (donor, channel, what arrived) is the donor's business and the project's
    dashboard's (its leads, and the moderators reviewing it)."""
    if not member.is_authenticated:
        return False
    return pledge.donor_id == member.pk or can_view_dashboard(member, pledge.need.project)


def pledges_visible_filter(member):
    """can_view_pledge as a filter on Pledge querysets (for lists): keep the two in step."""
    if not member.is_authenticated:
        return Q(pk__in=[])
    if member.is_superuser:
        return Q()
    led = Project.leads.through.objects.filter(member_id=member.pk).values("project_id")
    moderated = Membership.objects.filter(member_id=member.pk, role=Membership.Role.MODERATOR).values("community")
    return Q(donor_id=member.pk) | Q(need__project__in=led) | Q(need__project__community__in=moderated)
