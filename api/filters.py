"""Query parameters of the list endpoints, as django-filter FilterSets.

A FilterSet here checks the query's shape and describes it in the OpenAPI schema; the filtering
itself is done by the selectors the pages use (projects/selectors.py, donations/selectors.py),
given the cleaned values, so a filter means the same thing on a page and in the API.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from core.currencies import Currency
from core.search_words import QUERY_LENGTH_MAX
from donations.models import Need, Pledge, Reception
from donations.selectors import PROJECT_SORTS
from projects.models import Category, Project


class SelectorFilterBackend(filters.DjangoFilterBackend):
    """Documents the FilterSet of the view's action (its `filtersets`, by action); leaves the
    queryset alone (the selector has filtered it)."""

    def filter_queryset(self, request, queryset, view):
        return queryset

    def get_filterset_class(self, view, queryset=None):
        # A view may document a FilterSet of another model (a project's pledges).
        return getattr(view, "filtersets", {}).get(getattr(view, "action", None))


def cleaned_filters(filterset_class, request):
    """The FilterSet's cleaned values that were given, or a 400 in the API's error shape."""
    # No queryset to filter: the FilterSet is a form here (see the module's docstring).
    filterset = filterset_class(
        request.query_params, queryset=filterset_class._meta.model.objects.none(), request=request
    )
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return {name: value for name, value in filterset.form.cleaned_data.items() if value not in (None, "")}


# The largest id the database holds: a bigger one is a 400, not a database error.
MAX_ID = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)


class ProjectFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Project.Status.choices)
    community = filters.CharFilter(label=_("Community (its slug)"))
    category = filters.ChoiceFilter(choices=Category.choices)
    country = filters.CharFilter(label=_("Two-letter country code"), max_length=2)
    region = filters.CharFilter(label=_("Region (contains)"))
    currency = filters.ChoiceFilter(choices=Currency.choices)
    item = filters.CharFilter(
        label=_("Words of what an open material need asks for (plurals, accents and case aside)"),
        max_length=QUERY_LENGTH_MAX,
    )
    has_missing = filters.BooleanFilter(label=_("true: some open need still misses something; false: nothing does"))
    deadline_after = filters.DateFilter(label=_("Deadline on or after this date"))
    deadline_before = filters.DateFilter(label=_("Deadline on or before this date"))
    # The home page's search box, the same words found the same way (donations/search.py).
    q = filters.CharFilter(
        label=_("Search: every word in the title, summary, place, hashtag or a need (plurals, accents and case aside)"),
        max_length=QUERY_LENGTH_MAX,
    )
    ordering = filters.ChoiceFilter(
        choices=[(name, name) for name in PROJECT_SORTS], label=_("Order: newest first (default), …")
    )

    class Meta:
        model = Project
        fields = []


class NeedFilter(filters.FilterSet):
    project = filters.CharFilter(label=_("Project (its slug)"))
    kind = filters.ChoiceFilter(choices=Need.Kind.choices)
    status = filters.ChoiceFilter(choices=Need.Status.choices)

    class Meta:
        model = Need
        fields = []


class LeadPledgeFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Pledge.Status.choices)
    need = IdFilter(label=_("Need (its id)"))
    channel = filters.ChoiceFilter(choices=Pledge.Channel.choices)
    search = filters.CharFilter(label=_("A pledge's reference (TWZ-…), or part of a donor's handle"), max_length=40)

    class Meta:
        model = Pledge
        fields = []


class MyPledgeFilter(filters.FilterSet):
    project = filters.CharFilter(label=_("Project (its slug)"))
    status = filters.ChoiceFilter(choices=Pledge.Status.choices)

    class Meta:
        model = Pledge
        fields = []


class ReceptionFilter(filters.FilterSet):
    project = filters.CharFilter(label=_("Project (its slug)"))
    pledge = IdFilter(label=_("Pledge (its id)"))

    class Meta:
        model = Reception
        fields = []
