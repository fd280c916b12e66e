"""What a project shows outside its page: the social card, the progress badge, the progress
report (PDF). Feeds are in publishing/feeds.py.

Each is the same for everyone who may see a public project: served from the shared cache under
the project's version (core/page_cache.py), COMMUNITIES for the community's hashtag (card) and
name (report) and for `everything_changed`. A hit reads no row."""

import hashlib

from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.translation import get_language

from core import cache_versions
from core.page_cache import shared_page
from donations.progress import projects_with_progress
from projects.models import Project
from projects.page_access import visible_project
from publishing import selectors
from publishing.badge import badge_svg
from publishing.report import render_report_pdf
from publishing.social_card import card_file

# A card URL with the current version in it (as the page's og:image gives) never changes
# content; the bare URL may, after the next reception.
CARD_MAX_AGE_VERSIONED = 7 * 24 * 3600
CARD_MAX_AGE = 300
BADGE_MAX_AGE = 300
REPORT_MAX_AGE = 300


def project_versions(request, slug):
    return [cache_versions.project_key(slug), cache_versions.COMMUNITIES]


@shared_page(versions=project_versions)
def social_card(request, slug):
    project = visible_project(request, slug, read=selectors.project_detail)
    path, digest = card_file(project)
    etag = f'"{digest}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        # Read whole (tens of kilobytes), not streamed: the shared cache keeps the bytes.
        try:
            response = HttpResponse(path.read_bytes(), content_type="image/png")
        except FileNotFoundError:
            # Replaced by a newer card between our check and our read: draw (or find) it again.
            path, digest = card_file(project)
            etag = f'"{digest}"'
            response = HttpResponse(path.read_bytes(), content_type="image/png")
    response["ETag"] = etag
    public = project.is_public
    max_age = CARD_MAX_AGE_VERSIONED if request.GET.get("v") == digest else CARD_MAX_AGE
    patch_cache_control(response, max_age=max_age, **({"public": True} if public else {"private": True}))
    return response


@shared_page(versions=project_versions)
def badge(request, slug):
    read = projects_with_progress(Project.objects.select_related("community")).get
    project = visible_project(request, slug, read=read)
    svg = badge_svg(project).encode("utf-8")
    etag = f'"{hashlib.sha256(svg + get_language().encode()).hexdigest()[:20]}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["ETag"] = etag
    public = project.is_public
    patch_cache_control(response, max_age=BADGE_MAX_AGE, **({"public": True} if public else {"private": True}))
    # The badge is in the visitor's language (header or cookie): caches keep one copy per language.
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response


@shared_page(versions=project_versions)
def progress_report(request, slug):
    project = visible_project(request, slug, read=selectors.project_detail)
    pdf = render_report_pdf(project)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="tiwizi-{project.slug}-report.pdf"'
    if project.is_public:
        # The same for everyone, and dated: a proxy may keep it a few minutes.
        patch_cache_control(response, public=True, max_age=REPORT_MAX_AGE)
    else:
        patch_cache_control(response, private=True, max_age=0)
    return response
