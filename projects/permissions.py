"""Who may do what with communities and projects. The one place pages, API and admin ask;
nothing is decided twice. Each app that adds things to a project has a permissions.py of its
own for them (donations, payments, receipts, publishing), built on the questions here.

Each function takes the acting member (possibly anonymous) and the object, and answers
True or False. Queries are kept to one small lookup per question; a page that asks about many
rows prefetches the project's leads once (`is_lead` then costs no query).
"""

from projects.models import Membership, Project


def is_lead(member, project):
    if not member.is_authenticated:
        return False
    prefetched = getattr(project, "_prefetched_objects_cache", {}).get("leads")
    if prefetched is not None:
        return any(lead.pk == member.pk for lead in prefetched)
    return project.leads.filter(pk=member.pk).exists()


def is_moderator(member, community):
    if not member.is_authenticated:
        return False
    if member.is_superuser:
        return True
    return Membership.objects.filter(community=community, member=member, role=Membership.Role.MODERATOR).exists()


def can_view_project(member, project):
    """Anyone sees a public project (Project.is_public); its leads and the community's
    moderators also see it as a draft or a proposal, hidden by moderation (to decide), or
    cancelled before it opened."""
    if project.is_public:
        return True
    return is_lead(member, project) or is_moderator(member, project.community)


def can_see_hidden_content(member, project):
    """What the project published and moderation hid (an update) is still shown, marked hidden,
    to its leads and the community's moderators (who decide on it)."""
    return is_lead(member, project) or is_moderator(member, project.community)


def can_manage_project(member, project):
    """Leads run their project: needs, receptions, pledge cancellations, updates."""
    return is_lead(member, project)


def can_view_dashboard(member, project):
    """Leads run the dashboard; a moderator of the community may look at it (read-only) to review."""
    return is_lead(member, project) or is_moderator(member, project.community)


def can_manage_team(member, project):
    """Who invites co-leads, withdraws an invitation and removes a lead: the project's leads, and
    the community's moderators and superusers (who could always add a lead: project_add_lead).
    Stepping down is any lead's own choice; the last lead may never leave (projects/services.py)."""
    return is_lead(member, project) or is_moderator(member, project.community)


def can_answer_invitation(member, invitation):
    """Only the invited member accepts or declines: not a lead, not a moderator, not a superuser."""
    return member.is_authenticated and invitation.member_id == member.pk


def can_remove_lead(member, project, lead):
    """A lead steps down; the team's managers (can_manage_team) remove any lead."""
    if member.is_authenticated and member.pk == lead.pk:
        return is_lead(member, project)
    return can_manage_team(member, project)


def can_see_anonymous_donors(member, project):
    return is_lead(member, project)


# Which lifecycle moves a lead may make, and which are the moderators'. A moderator of the
# project's community may make any allowed move (they review, and may stop a project).
LEAD_MOVES = {
    (Project.Status.DRAFT, Project.Status.IN_REVIEW),
    (Project.Status.IN_REVIEW, Project.Status.DRAFT),
    (Project.Status.DRAFT, Project.Status.CANCELLED),
    (Project.Status.IN_REVIEW, Project.Status.CANCELLED),
    (Project.Status.OPEN, Project.Status.CLOSED),
    (Project.Status.OPEN, Project.Status.CANCELLED),
    (Project.Status.CLOSED, Project.Status.OPEN),
    (Project.Status.CLOSED, Project.Status.COMPLETED),
    (Project.Status.CLOSED, Project.Status.CANCELLED),
}


def can_move_project(member, project, to_status):
    if is_moderator(member, project.community):
        return True
    return is_lead(member, project) and (project.status, to_status) in LEAD_MOVES


def allowed_moves_for(member, project):
    """The statuses this member may move the project to right now, in lifecycle order."""
    return [
        status for status in Project.Status if project.can_move_to(status) and can_move_project(member, project, status)
    ]


def is_suspended(member, community_id):
    """Suspended in the community by its moderators (moderation app): no proposing, pledging,
    posting or flagging there until lifted. One small lookup."""
    if not member.is_authenticated:
        return False
    return Membership.objects.filter(
        community_id=community_id, member_id=member.pk, suspended_at__isnull=False
    ).exists()


def can_create_project(member, community):
    return member.is_authenticated and not is_suspended(member, community.pk)
