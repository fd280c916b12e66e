"""Who may see a member's profile (pages and API ask here)."""


def can_view_profile(viewer, member):
    """Anyone, unless moderation hid the profile: then only the member (who sees why) and the
    superusers. `member` may be loaded with only a few fields: these include the hidden state."""
    if member.profile_hidden_at is None:
        return True
    return viewer.is_authenticated and (viewer.pk == member.pk or viewer.is_superuser)
