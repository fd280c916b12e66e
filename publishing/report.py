"""A project's progress report as a PDF (WeasyPrint), for anyone who may view the project.

What it shows: the project (title, community, place, status, the start of its story), its needs
with pledged, received and still missing, its milestones with their dates, its latest expenses
(corrections shown as such) with collected, spent and balance per currency, the number of
supporters (never who they are) and the date it was generated. Its length is bounded whatever the
project (publishing/limits.py REPORT_*: the story, the expenses and the texts of table cells are
cut, with a link to the rest), so that it renders in about a second at the projects' limits
(bench/worst_case.py). It is drawn in the visitor's language from the figures of
publishing.selectors.project_detail, in a fixed number of queries; right to left in Arabic, with
the figures and what people typed each in its own direction (report.html).

Rendering shares the process-wide FontConfiguration and render lock of every PDF
(core/pdf.py, FINDINGS.md): a configuration per render leaks memory. Like a receipt, it
fetches nothing but the bundled fonts, files under MEDIA_ROOT and inline images: an image in
the story pointing elsewhere is left out. The PDF is cached under a hash of its
HTML (see render_report_pdf).
"""

import hashlib
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from weasyprint import HTML

from core.formatting import money, quantity
from core.pdf import BASE_URL, FONT_CONFIG, LocalURLFetcher, render_lock, stylesheet
from core.rich_text import markdown_excerpt, markdown_html
from publishing.expenses import project_expenses, project_spending
from publishing.limits import (
    REPORT_CELL_CHARACTERS,
    REPORT_EVIDENCE_CHARACTERS,
    REPORT_EXPENSES_SHOWN,
    REPORT_STORY_CHARACTERS,
    REPORT_SUPPLIER_CHARACTERS,
)
from publishing.models import Milestone

REPORT_CACHE_SECONDS = 24 * 3600
STYLESHEET = Path(__file__).resolve().parent / "templates" / "publishing" / "report.css"


def report_context(project):
    """What the report prints. `project` comes from publishing.selectors.project_detail."""
    needs = [
        {
            "label": need.label,
            "kind": need.get_kind_display(),
            "status": need.get_status_display() if need.status != "open" else "",
            "goal": quantity(need.target_quantity, need),
            "pledged": quantity(need.pledged, need),
            "received": quantity(need.received, need),
            "missing": quantity(need.missing, need),
            "supporters": need.supporters,
            "is_cash": need.is_cash,
        }
        for need in project.needs.all()
    ]
    milestones = list(Milestone.objects.filter(project=project).order_by("position", "id"))
    # The latest expenses, shown oldest first; the page lists them all (publishing:expenses).
    expense_count = project.expenses.count()
    expenses = list(project_expenses(project).order_by("-spent_on", "-id")[:REPORT_EXPENSES_SHOWN])[::-1]
    story, story_is_cut = markdown_excerpt(project.story, characters=REPORT_STORY_CHARACTERS)
    expense_rows = [
        {
            "date": expense.spent_on,
            "description": expense.description,
            "supplier": expense.supplier,
            "need": expense.need.label if expense.need else "",
            "amount": money(expense.amount, expense.currency),
            "is_reversal": expense.is_reversal,
            "corrects": expense.reverses.description if expense.reverses else "",
            "corrected": hasattr(expense, "reversed_by"),
        }
        for expense in expenses
    ]
    return {
        "project": project,
        "story_html": markdown_html(story),
        "story_is_cut": story_is_cut,
        "hashtag": f"#{project.hashtag}" if project.hashtag else "",
        "needs": needs,
        # Money first, with its total right below it (when there is more than one row to add
        # up); then material, which a total of money printed below it would seem to sum up.
        "cash_needs": [need for need in needs if need["is_cash"]],
        "material_needs": [need for need in needs if not need["is_cash"]],
        "has_cash": bool(project.cash_target),
        "cash": {
            "goal": money(project.cash_target, project.currency),
            "pledged": money(project.cash_pledged, project.currency),
            "received": money(project.cash_received, project.currency),
            "missing": money(project.cash_missing, project.currency),
        },
        "milestones": milestones,
        # How much of each text the tables print (the page shows them whole).
        "cut": {
            "cell": REPORT_CELL_CHARACTERS,
            "supplier": REPORT_SUPPLIER_CHARACTERS,
            "evidence": REPORT_EVIDENCE_CHARACTERS,
        },
        "expenses": expense_rows,
        "expense_count": expense_count,
        "expenses_url": settings.SITE_URL + reverse("publishing:expenses", kwargs={"slug": project.slug}),
        "spending": [
            {
                "currency": row.currency,
                "collected": money(row.collected, row.currency),
                "spent": money(row.spent, row.currency),
                "balance": money(row.balance, row.currency),
                "negative": row.balance < 0,
            }
            # No query: project_detail annotates what was collected and spent.
            for row in project_spending(project)
        ],
        "supporters": project.supporters,
        "generated_on": timezone.localdate(),
        "page_url": settings.SITE_URL + project.get_absolute_url(),
    }


def render_report_html(project):
    return render_to_string("publishing/report.html", report_context(project))


def render_report_pdf(project):
    """The report as PDF bytes, in the active language.

    The HTML is cheap (tens of ms), the PDF is not (hundreds): the PDF is kept in the cache
    under a hash of its HTML, so a report is laid out again only when something it shows
    changed (or the next day: it carries its date).
    """
    html = render_report_html(project)
    key = "tiwizi:report:" + hashlib.sha256(html.encode("utf-8")).hexdigest()
    pdf = cache.get(key)
    if pdf is None:
        with render_lock:
            document = HTML(string=html, base_url=BASE_URL, url_fetcher=LocalURLFetcher())
            pdf = document.write_pdf(stylesheets=[stylesheet(STYLESHEET)], font_config=FONT_CONFIG)
        cache.set(key, pdf, REPORT_CACHE_SECONDS)
    return pdf
