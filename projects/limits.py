"""How long the texts of communities and projects may be (characters), in one place: the models,
forms, serializers and services read them from here. Bounds a real community never meets, set so
that no single text can make a page, the API or the progress report slow (issue 11: a 3 MB story
took the project page 16 s and the report past the worker's timeout)."""

# "A story of 20 000 characters is plenty": about eight printed pages, four times the longest
# story of the demo. core/rich_text.py renders no Markdown text longer than this.
STORY_MAX = 20_000
COMMUNITY_DESCRIPTION_MAX = 2_000
# Shown to donors on the project's page and copied into each cancelled pledge's reason.
CANCELLATION_REASON_MAX = 1_000
# A lifecycle move's note (a cancellation's reason, a moderator's "sent back because…").
TRANSITION_NOTE_MAX = 1_000
