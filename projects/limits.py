"""How long the texts of communities and projects may be (characters), in one place: the models,
forms, serializers and services read them from here. Bounds a real community never meets, set so
that no single text can make a page, the API or the progress report slow (issue 11: a 3 MB story
took the project page 16 s and the report past the worker's timeout). And how large a team may grow."""

# "A story of 20 000 characters is plenty": about eight printed pages, four times the longest
# story of the demo. core/rich_text.py renders no Markdown text longer than this.
STORY_MAX = 20_000
COMMUNITY_DESCRIPTION_MAX = 2_000
# Shown to donors on the project's page and copied into each cancelled pledge's reason.
CANCELLATION_REASON_MAX = 1_000
# A lifecycle move's note (a cancellation's reason, a moderator's "sent back because…").
TRANSITION_NOTE_MAX = 1_000

# Co-leads (issue 13). A team is a handful of people: bounds that a real team never meets, so that
# nobody can fill a project's team page, or a member's list of invitations, by inviting in bulk.
# An invitation not answered within this many days lapses: the leads invite again if they still
# want the member.
INVITATION_VALID_DAYS = 14
# Open invitations a project may have at once.
OPEN_INVITATIONS_MAX = 10
# Leads a project may have, counting the open invitations (each may become a lead).
LEADS_MAX = 20
# A member who declined is not invited to the same project again for this many days.
DECLINED_WAIT_DAYS = 30
# How a member invites: the handle typed, with its optional "@" (a handle has at most 30 characters).
INVITATION_HANDLE_MAX = 31
# How many invitations a member may send, and receive by email: settings.RATE_LIMITS
# ("invitation", "invitation_email").
