"""Forms of the pages: the filters of the project list and of the dashboard's pledges, read from
the query string. An unknown value is ignored (and its error shown), never an error page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.search_words import QUERY_LENGTH_MAX
from donations.models import Pledge
from projects.models import Category, Community, Project

SORT_CHOICES = [
    ("newest", _("Newest first")),
    ("deadline", _("Deadline soonest")),
    ("most_missing", _("Most still missing")),
]


class ProjectFilterForm(forms.Form):
    """The list's filters, read from the query string. Each field is optional; a value that
    does not validate is dropped (and its error shown) while the others still apply."""

    # Every word must be found, plurals, accents and case aside (donations/search.py).
    q = forms.CharField(label=_("Search"), required=False, max_length=QUERY_LENGTH_MAX)
    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=Community.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=_("All communities"),
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("All categories")), *Category.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status"))]
        + [(status.value, status.label) for status in Project.Status if status in Project.PUBLIC_STATUSES],
        required=False,
    )
    country = forms.CharField(
        label=_("Country"),
        required=False,
        max_length=2,
        widget=forms.TextInput(attrs={"size": 3, "placeholder": "MA", "title": _("Two-letter code: MA, TG, FR…")}),
    )
    region = forms.CharField(label=_("Region"), required=False, max_length=100)
    item = forms.CharField(
        label=_("Item needed"),
        required=False,
        max_length=QUERY_LENGTH_MAX,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. blankets")}),
    )
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORT_CHOICES, required=False)

    TEXT_FILTERS = ("q", "category", "status", "country", "region", "item")

    def clean_country(self):
        return self.cleaned_data["country"].strip().upper()

    def filters_and_sort(self):
        """The filters for donations.selectors.project_list and the sort, from the valid fields only."""
        self.is_valid()
        data = self.cleaned_data
        filters = {name: data[name] for name in self.TEXT_FILTERS if data.get(name)}
        if data.get("community"):
            filters["community"] = data["community"].slug
        return filters, data.get("sort") or "newest"


class PledgeFilterForm(forms.Form):
    """The dashboard's pledge filters (GET). An unknown value is ignored, never an error page."""

    search = forms.CharField(
        label=_("Reference or handle"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "TWZ-…  @…", "autocapitalize": "off", "spellcheck": "false"}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    need = forms.TypedChoiceField(label=_("Need"), required=False, coerce=int, empty_value=None)
    channel = forms.ChoiceField(label=_("How it arrives"), required=False)

    def __init__(self, *args, needs, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["status"].choices = everything + list(Pledge.Status.choices)
        self.fields["need"].choices = everything + [(need.pk, need.label) for need in needs]
        self.fields["channel"].choices = everything + list(Pledge.Channel.choices)

    def filters(self):
        self.is_valid()  # an invalid field drops out of cleaned_data; the others still apply
        return {
            "status": self.cleaned_data.get("status") or None,
            "need_id": self.cleaned_data.get("need"),
            "channel": self.cleaned_data.get("channel") or None,
            "search": self.cleaned_data.get("search") or "",
        }

    @property
    def folded_filters(self):
        """The filters folded behind a button on a phone: all but the search."""
        return [self[name] for name in ("status", "need", "channel")]

    @property
    def filtering(self):
        """Whether any folded filter is set: the fold then opens."""
        return any(self.data.get(name) for name in ("status", "need", "channel"))
