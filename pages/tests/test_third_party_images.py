"""A tracking pixel in a member's text (a project's story, an update, a milestone's notes) loads on
no surface that shows it: the project page, the update's page, the feeds, the update's email, the
API and the progress report. It is shown as a link instead (core/rich_text.py)."""

import xml.etree.ElementTree as ET
from datetime import date

import pytest
from django.core import mail

from accounts.tests.factories import MemberFactory
from core.tests.test_rich_text import HOST, PIXEL, loads_from
from donations.tests.factories import NeedFactory, PledgeFactory
from projects.tests.factories import CommunityFactory, ProjectFactory
from publishing.milestones import milestone_create, milestone_update
from publishing.models import Milestone
from publishing.report import render_report_html
from publishing.selectors import project_detail
from publishing.update_emails import send_pending
from publishing.updates import update_create

ATOM = "{http://www.w3.org/2005/Atom}"
# The finding's payload, as Markdown and as raw HTML, and one of our own uploads beside it.
PAYLOAD = f'![a pixel]({PIXEL})\n\n<img src="{PIXEL}" width="1" height="1">\n\n![our photo](/media/photos/classe.jpg)'

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client, settings):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def project():
    community = CommunityFactory(slug="twittoma")
    return ProjectFactory(
        community=community, slug="tighzit", title="Classe de Tighzit", story=f"Our story.\n\n{PAYLOAD}"
    )


@pytest.fixture
def update(project):
    return update_create(
        project=project, actor=project.created_by, title="Les murs", body=f"News.\n\n{PAYLOAD}", publish=True
    )


@pytest.fixture
def milestone(project):
    milestone = milestone_create(project=project, actor=project.created_by, title="Murs")
    return milestone_update(
        milestone=milestone,
        actor=project.created_by,
        title="Murs",
        description=f'<img src="{PIXEL}">',
        target_date=None,
        status=Milestone.Status.DONE,
        evidence_note=f"![evidence]({PIXEL})",
        done_on=date(2026, 5, 1),
    )


def assert_shown_as_a_link(html):
    assert loads_from(html) == []
    assert f'<a href="{PIXEL}" rel="nofollow noopener noreferrer ugc">a pixel</a>' in html
    assert '<img alt="our photo" src="/media/photos/classe.jpg">' in html


def test_the_project_page_shows_the_story_and_updates_pixels_as_links(client, project, update, milestone):
    html = client.get(project.get_absolute_url()).content.decode()
    assert "Our story." in html and "News." in html
    assert_shown_as_a_link(html)
    assert f'<img src="{PIXEL}"' not in html


def test_the_update_page_shows_the_pixel_as_a_link(client, update):
    html = client.get(update.get_absolute_url()).content.decode()
    assert "News." in html
    assert_shown_as_a_link(html)


@pytest.mark.parametrize("feed_url", ["/p/tighzit/feed.atom", "/c/twittoma/feed.atom"])
def test_the_feeds_show_the_pixel_as_a_link(client, update, milestone, feed_url):
    response = client.get(feed_url)
    assert response.status_code == 200
    summaries = [entry.findtext(f"{ATOM}summary") for entry in ET.fromstring(response.content).iter(f"{ATOM}entry")]
    assert len(summaries) == 2
    for summary in summaries:
        assert loads_from(summary) == []
    assert_shown_as_a_link(next(summary for summary in summaries if "News." in summary))


def test_the_update_email_shows_the_pixel_as_a_link(project):
    supporter = PledgeFactory(need=NeedFactory(project=project), donor=MemberFactory()).donor
    update_create(project=project, actor=project.created_by, title="Les murs", body=f"News.\n\n{PAYLOAD}", publish=True)
    assert send_pending() == {"sent": 1, "failed": 0}
    [message] = mail.outbox
    assert message.to == [supporter.email]
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert "News." in html
    assert_shown_as_a_link(html)


def test_the_api_gives_the_pixel_as_a_link(client, project, update):
    story = client.get(f"/api/v1/projects/{project.slug}/").json()["story_html"]
    assert_shown_as_a_link(story)
    [row] = client.get(f"/api/v1/projects/{project.slug}/updates/").json()["results"]
    assert_shown_as_a_link(row["body_html"])


def test_the_report_source_has_no_third_party_image_and_its_pdf_renders(client, project, milestone):
    html = render_report_html(project_detail(slug=project.slug))
    assert "Our story." in html
    assert_shown_as_a_link(html)
    # The PDF draws that source with a fetcher that refuses any other host (core/tests/test_rich_text.py).
    response = client.get(f"/p/{project.slug}/report.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_milestone_texts_are_plain_text_everywhere(client, project, milestone):
    html = client.get(project.get_absolute_url()).content.decode()
    assert f"&lt;img src=&quot;{PIXEL}&quot;&gt;" in html
    assert loads_from(html) == []
    assert HOST in html  # as text, which loads nothing
