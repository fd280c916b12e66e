"""Who may write what a project publishes, and who may read what is for its supporters only."""

from donations.permissions import is_supporter
from projects.permissions import is_lead, is_moderator, is_suspended


def can_read_supporters_only(member, project):
    """Updates for supporters only are read by the supporters, the leads and the community's moderators."""
    return is_lead(member, project) or is_supporter(member, project) or is_moderator(member, project.community)


def can_publish(member, project):
    """Milestones, updates and expenses are the leads' to write, unless suspended in the community."""
    return is_lead(member, project) and not is_suspended(member, project.community_id)
