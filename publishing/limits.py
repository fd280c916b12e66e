"""The bounds of what a project publishes, in one place: how many milestones, updates and
expenses it may have, and how long their texts may be (characters). Read by the models, forms,
serializers and services; the counts are checked under the project's row lock, by the service
that adds one. Each is far above what a real project reaches, and low enough that the project's
page and its progress report stay fast at the bound (bench/worst_case.py, docs/performance.md)."""

# Steps of one project ("Terrain obtenu", "Murs", "Ouverture"): the demo has 5, a long
# construction perhaps 12. All are shown on the page and in the report, a row each.
MILESTONES_PER_PROJECT_MAX = 20
# Posts on one project's timeline, drafts included: one a day for more than a year. The page
# shows 20 a page, the feed the latest 30.
UPDATES_PER_PROJECT_MAX = 500
# Expenses recorded by a project, corrected ones and their replacements included (a correction's
# reversing entry is not counted: each entry is reversed at most once, so the rows stay below
# twice this). Thirty Ramadan ftours with a few receipts each make ~150.
EXPENSES_PER_PROJECT_MAX = 1_000

MILESTONE_DESCRIPTION_MAX = 2_000
MILESTONE_EVIDENCE_MAX = 2_000
# An update: several screens of text (the demo's longest is ~600 characters).
UPDATE_BODY_MAX = 10_000
# How much of an update the project's timeline shows, with a link to the rest on its own page:
# 20 updates at their longest would take the page past a second of Markdown.
UPDATE_EXCERPT_CHARACTERS = 1_000

# What the progress report prints of the longest texts and lists, with a link to the rest: a
# PDF's layout costs ~1 ms a line, and the whole of a project at its limits (a story of 20 000
# characters, 1 000 expenses) took ~40 s (bench/worst_case.py). Needs and milestones are printed
# whole: they are what the report is for.
REPORT_STORY_CHARACTERS = 3_000
REPORT_EXPENSES_SHOWN = 10
# Texts in the report's narrow table cells are cut (each line of a cell costs as much as a line of
# the page): need labels, milestone titles and expense descriptions, suppliers, evidence notes.
REPORT_CELL_CHARACTERS = 80
REPORT_SUPPLIER_CHARACTERS = 40
REPORT_EVIDENCE_CHARACTERS = 150
