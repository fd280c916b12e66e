"""Who may do what. The one place pages, API and admin ask; nothing is decided twice.

Each function takes the acting member (possibly anonymous) and the object, and answers
True or False. Queries are kept to one small lookup per question; pages that ask the same
question for many rows pass sets computed once (see `lead_project_ids`).
"""

from django.db.models import Q

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
    if project.status in Project.PUBLIC_STATUSES:
        return True
    return is_lead(member, project) or is_moderator(member, project.community)


def can_manage_project(member, project):
    """Leads run their project: needs, receptions, pledge cancellations, updates."""
    return is_lead(member, project)


def can_view_dashboard(member, project):
    """Leads run the dashboard; a moderator of the community may look at it (read-only) to review."""
    return is_lead(member, project) or is_moderator(member, project.community)


def can_see_anonymous_donors(member, project):
    return is_lead(member, project)


def is_supporter(member, project):
    """A supporter has a standing pledge on one of the project's needs (not cancelled or refunded)."""
    if not member.is_authenticated:
        return False
    from donations.models import Pledge  # donations depends on projects, not the reverse

    return Pledge.objects.filter(need__project=project, donor=member, status__in=Pledge.STANDING_STATUSES).exists()


def can_read_supporters_only(member, project):
    """Updates for supporters only are read by the supporters, the leads and the community's moderators."""
    return is_lead(member, project) or is_supporter(member, project) or is_moderator(member, project.community)


def can_publish(member, project):
    """Milestones, updates and expenses are the leads' to write."""
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


def can_create_project(member, community):
    return member.is_authenticated


def can_pledge(member, need):
    return member.is_authenticated


def can_cancel_pledge(member, pledge):
    """The donor may withdraw before anything arrived; a lead may cancel with a reason."""
    if not member.is_authenticated:
        return False
    return pledge.donor_id == member.pk or is_lead(member, pledge.need.project)


def can_record_reception(member, pledge):
    return is_lead(member, pledge.need.project)


def can_download_receipt(member, receipt):
    """A receipt's PDF: its donor, the leads of its project (receipts for one gift), and the
    moderators of the issuing community. Everybody else is told it does not exist."""
    if not member.is_authenticated:
        return False
    if receipt.donor_id == member.pk:
        return True
    if receipt.pledge_id is not None and is_lead(member, receipt.pledge.need.project):
        return True
    return is_moderator(member, receipt.issuer.community)


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


def can_pay_pledge(member, pledge):
    """Only the donor pays their card pledge (Stripe Checkout)."""
    return member.is_authenticated and pledge.donor_id == member.pk


def can_refund_card_payment(member, pledge):
    """Leads give card money back through Stripe (full or partial refunds)."""
    return is_lead(member, pledge.need.project)
