"""A member's communities and projects, in their copy of their data and when their account is
deleted (accounts/hooks.py; connected in ProjectsConfig.ready())."""

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from core import cache_versions
from core.errors import DomainError
from projects.models import LeadChange, LeadInvitation, Membership, Project

# A project in one of these statuses still needs a lead: to review it, record what arrives,
# publish, close or complete it.
RUNNING_STATUSES = (Project.Status.DRAFT, Project.Status.IN_REVIEW, Project.Status.OPEN, Project.Status.CLOSED)

LeadRow = Project.leads.through


def member_data(*, member, data):
    """Memberships (role, suspension) and the projects the member leads: two queries."""
    memberships = Membership.objects.filter(member=member).select_related("community").order_by("joined_at", "id")
    data["memberships"] = [
        {
            "community": membership.community.name,
            "community_slug": membership.community.slug,
            "role": membership.role,
            "joined_at": membership.joined_at,
            "suspended_at": membership.suspended_at,
            "suspension_reason": membership.suspension_reason,
        }
        for membership in memberships
    ]
    led = Project.objects.filter(leads=member).select_related("community").order_by("created_at", "id")
    data["projects_led"] = [
        {
            "slug": project.slug,
            "title": project.title,
            "community": project.community.name,
            "status": project.status,
            "created_at": project.created_at,
            "created_by_you": project.created_by_id == member.pk,
        }
        for project in led
    ]


def member_erase(*, member):
    """Refuse while the member is the only lead of a running project (it would be left with
    nobody to run it: a co-lead first, or cancel or complete it); otherwise take the member off
    every project's leads and out of every community. The led projects' rows are locked first, as
    every change of leads locks them (projects/services.py): a co-lead stepping down at the same
    moment is counted before "only lead" is decided."""
    list(Project.objects.filter(leads=member).select_for_update(of=("self",)).order_by("pk").values_list("pk"))
    others = LeadRow.objects.filter(project=OuterRef("pk")).exclude(member=member)
    alone = list(
        Project.objects.filter(leads=member, status__in=RUNNING_STATUSES)
        .exclude(Exists(others))
        .order_by("title")
        .values_list("title", flat=True)
    )
    if alone:
        raise DomainError(
            _(
                "You are the only lead of %(projects)s. Add a co-lead, or cancel or complete the project, "
                "before deleting your account."
            )
            % {"projects": ", ".join(f"“{title}”" for title in alone)}
        )
    led = list(Project.objects.filter(leads=member).select_related("community"))
    LeadRow.objects.filter(member=member).delete()
    LeadChange.objects.bulk_create(
        LeadChange(project=project, member=member, kind=LeadChange.Kind.ACCOUNT_DELETED, actor=member)
        for project in led
    )
    # Invitations to an account that no longer exists can never be answered.
    LeadInvitation.objects.filter(member=member).delete()
    memberships = list(Membership.objects.filter(member=member).select_related("community"))
    Membership.objects.filter(member=member).delete()
    # The project lists and details name their leads, and communities their moderators; a
    # community's page counts its members.
    for project in led:
        cache_versions.project_changed(project)
    for membership in memberships:
        cache_versions.community_members_changed(membership.community)
    if any(membership.role == Membership.Role.MODERATOR for membership in memberships):
        cache_versions.community_changed()
