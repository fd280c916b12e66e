"""Who may pledge, record what arrived and see a pledge in full (the service decides who may
cancel one: the donor before anything arrived, a lead with a reason).

Built on projects/permissions.py (leads, moderators, the dashboard); pages, API and admin ask
here, and the services ask again.
"""

from django.db.models import Q

from donations.models import Pledge
from projects.models import Membership, Project
from projects.permissions import is_lead


def is_supporter(member, project):
    """A supporter has a standing pledge on one of the project's needs (not cancelled or refunded)."""
    if not member.is_authenticated:
        return False
    return Pledge.objects.filter(need__project=project, donor=member, status__in=Pledge.STANDING_STATUSES).exists()


def can_pledge(member, need):
    """Any member, except one suspended in the project's community (one query, by the need's project)."""
    if not member.is_authenticated:
        return False
    return not Membership.objects.filter(
        community__projects=need.project_id, member_id=member.pk, suspended_at__isnull=False
    ).exists()


def can_record_reception(member, pledge):
    return is_lead(member, pledge.need.project)


def pledges_visible_filter(member):
    """The pledges a member may see in full (donor, channel, what arrived), as a filter on Pledge
    querysets: the donor's own, and those of the projects whose dashboard they may see (their
    leads, and the community's moderators reviewing it)."""
    if not member.is_authenticated:
        return Q(pk__in=[])
    if member.is_superuser:
        return Q()
    led = Project.leads.through.objects.filter(member_id=member.pk).values("project_id")
    moderated = Membership.objects.filter(member_id=member.pk, role=Membership.Role.MODERATOR).values("community")
    return Q(donor_id=member.pk) | Q(need__project__in=led) | Q(need__project__community__in=moderated)
