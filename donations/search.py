"""The project list's text search: each project's words stored as stems (ProjectSearch), and the
filter that finds the projects having, for every significant word of a query, a word that starts
with its stem. "couvertures d'hiver" finds a project with a need "couverture" and the hashtag
HiverAghbar; core/search_words.py says how words become stems.

The filter is one LIKE per word on one joined row, written the same for SQLite and PostgreSQL on
text both already hold folded: the two give the same results, with no extension or collation.

How the stored words stay right:
- they are written here only, by `refresh_project_search`, in the transaction of every write that
  changes them: a project created or edited (projects.hooks.project_edited), a need created,
  edited or closed (donations/services.py), corrections in the admin (donations/admin.py); and by
  `refresh_all_search` after bulk writes that bypass the services (the load data, the migration);
- each of those writes also calls cache_versions.project_changed, which changes PROJECT_LIST, the
  version of every searched list (pages and API): no cached search outlives a change of words.
"""

from django.db.models import Q

from core.search_words import query_stems, search_text, word_start
from donations.models import SEARCH_ITEMS_MAX, SEARCH_TEXT_MAX, Need, ProjectSearch
from projects.models import Project

# The project's own texts the search box looks in (the story is not one of them).
PROJECT_FIELDS = ("title", "summary", "village", "region", "hashtag")
# What of each need: its label and unit for the search box, its kind and status for the items.
NEED_COLUMNS = ("kind", "status", "label", "unit")
BATCH = 2000


def project_search_fields(project, needs):
    """The stored words of a project (anything with PROJECT_FIELDS as attributes) and of its needs
    (kind, status, label, unit) as ProjectSearch's fields."""
    needs = list(needs)
    fields = {
        "text": search_text(
            *(getattr(project, name) for name in PROJECT_FIELDS),
            *(part for _kind, _status, label, unit in needs for part in (label, unit)),
        ),
        "items": search_text(
            *(
                label
                for kind, status, label, _unit in needs
                if kind == Need.Kind.MATERIAL and status == Need.Status.OPEN
            )
        ),
    }
    # Within the columns' bounds (never reached by what the forms accept), cut between two stems.
    bounds = {"text": SEARCH_TEXT_MAX, "items": SEARCH_ITEMS_MAX}
    return {
        name: value if len(value) <= bounds[name] else value[: bounds[name] + 1].rsplit(" ", 1)[0]
        for name, value in fields.items()
    }


def _upsert(rows):
    ProjectSearch.objects.bulk_create(
        rows, batch_size=BATCH, update_conflicts=True, unique_fields=["project"], update_fields=["text", "items"]
    )


def refresh_project_search(project):
    """Make the project's stored words those of its current texts and needs (two queries). Part of
    the caller's transaction: the write that changed them."""
    needs = Need.objects.filter(project_id=project.pk).values_list(*NEED_COLUMNS)
    _upsert([ProjectSearch(project_id=project.pk, **project_search_fields(project, needs))])


def refresh_all_search(projects=None):
    """The stored words of every project (or of `projects`, a queryset), BATCH projects at a time,
    three queries each: after bulk writes that bypass the services. Not for the request path."""
    projects = Project.objects.all() if projects is None else projects
    ids = list(projects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        needs = {}
        for project_id, *columns in (
            Need.objects.filter(project__in=batch)
            .order_by("project_id", "position", "id")
            .values_list("project_id", *NEED_COLUMNS)
        ):
            needs.setdefault(project_id, []).append(columns)
        _upsert(
            [
                ProjectSearch(project_id=project.pk, **project_search_fields(project, needs.get(project.pk, ())))
                for project in Project.objects.filter(pk__in=batch).only("pk", *PROJECT_FIELDS)
            ]
        )


def matching(queryset, *, words="", items=""):
    """The projects of `queryset` found by the search box (`words`: its title, summary, place,
    hashtag, a need's label or unit) and by the "item needed" filter (`items`: an open material
    need's label): for each significant word of each (core.search_words.query_stems: stop words
    left out, at most QUERY_WORDS_MAX), one of its stored words starts with that word's stem.
    A query without any significant word ("de la") filters nothing."""
    condition = Q()
    for field, query in (("text", words), ("items", items)):
        for stem in query_stems(query):
            condition &= Q(**{f"search__{field}__contains": word_start(stem)})
    return queryset.filter(condition) if condition else queryset
