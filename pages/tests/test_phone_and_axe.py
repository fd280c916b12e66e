"""Every page of the demo, for each kind of visitor, on a phone: nothing wider than a 390 px
screen, and no serious or critical finding of axe-core (WCAG 2.0, 2.1 and 2.2 A and AA rules,
target size included), in French and in English.

Each role logs in through the log-in page and visits the pages it can reach, listed from the
demo's database (projects, needs, pledges, updates): anonymous visitor, donor, project lead,
community moderator, superuser. One test per language; each collects every problem it sees and
fails once with all of them, each with its URL and where to look.

axe-core comes from the axe-playwright-python package (its bundled axe.min.js), injected by
Playwright before the page's own scripts: the site's Content-Security-Policy does not apply to it.
"""

import os
import shutil

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Member
from demo.loader import DEMO_PASSWORD
from donations.models import Need, Pledge
from projects.models import Community, Membership, Project
from publishing.models import Expense, Milestone, Update
from receipts.models import Receipt

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is missing: apt-get install chromium"),
]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

PHONE = {"width": 390, "height": 844}
# WCAG 2.0, 2.1 and 2.2, levels A and AA; wcag22aa turns on axe's target-size rule (24 px).
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    "resultTypes": ["violations"],
}
FAILING_IMPACTS = {"serious", "critical"}

# The demo's accounts (demo/demo.toml) for each role; None is the visitor who is not logged in.
DONOR = "donatrice"
LEAD = "lead_tighzit"
MODERATOR = "moderatrice"
SUPERUSER = "tiwizi_admin"

# What the browser runs on each page once it has loaded: is the document wider than the window,
# and if so, the elements that stick out (those with no child sticking out: what forces the
# width), unless a scrolling ancestor holds them. Selectors are short paths for a person to read.
OVERFLOW = """
() => {
  const width = window.innerWidth;
  const scrollWidth = document.documentElement.scrollWidth;
  if (scrollWidth <= width) return null;
  const held = (element) => {
    for (let up = element.parentElement; up && up !== document.documentElement; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") return up.getBoundingClientRect().right <= width + 0.5;
    }
    return false;
  };
  const out = (element) => element.getBoundingClientRect().right > width + 0.5 && !held(element);
  const path = (element) => {
    const parts = [];
    for (let node = element; node && node !== document.body && parts.length < 4; node = node.parentElement) {
      let part = node.tagName.toLowerCase();
      if (node.id) { parts.unshift(part + "#" + node.id); break; }
      if (node.classList.length) part += "." + [...node.classList].join(".");
      parts.unshift(part);
    }
    return parts.join(" > ");
  };
  const culprits = [...document.body.querySelectorAll("*")]
    .filter((element) => out(element) && ![...element.children].some(out))
    .map((element) => {
      const box = element.getBoundingClientRect();
      return { selector: path(element), width: Math.round(box.width), right: Math.round(box.right) };
    })
    .sort((a, b) => b.right - a.right);
  return { scrollWidth, width, culprits: culprits.slice(0, 3) };
}
"""

# What axe does not check (WCAG 1.4.11, non-text contrast: 3:1): the border of each form field
# against what is behind it, and each segment of a progress bar against its track; and how much
# of the screen the site's header takes.
NON_TEXT = """
() => {
  const rgba = (color) => {
    const parts = color.match(/[\\d.]+/g).map(Number);
    return parts.length === 3 ? [...parts, 1] : parts;
  };
  const luminance = ([r, g, b]) => {
    const linear = (c) => (c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  };
  const ratio = (a, b) => {
    const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (light + 0.05) / (dark + 0.05);
  };
  const behind = (element) => {
    for (let node = element; node; node = node.parentElement) {
      const color = rgba(getComputedStyle(node).backgroundColor);
      if (color[3] > 0) return color;
    }
    return [255, 255, 255, 1];
  };
  const path = (element) => {
    const parts = [];
    for (let node = element; node && node !== document.body && parts.length < 3; node = node.parentElement) {
      let part = node.tagName.toLowerCase();
      if (node.id) { parts.unshift(part + "#" + node.id); break; }
      if (node.getAttribute("class")) part += "." + node.getAttribute("class").trim().split(/\\s+/).join(".");
      parts.unshift(part);
    }
    return parts.join(" > ");
  };
  const shown = (element) => element.getClientRects().length > 0 && getComputedStyle(element).visibility !== "hidden";
  const found = [];
  const fields = "input:not([type=hidden]):not([type=radio]):not([type=checkbox]):not([type=submit]), select, textarea";
  for (const field of document.querySelectorAll(fields)) {
    if (!shown(field)) continue;
    const style = getComputedStyle(field);
    if (parseFloat(style.borderBottomWidth) === 0) continue;
    const contrast = ratio(rgba(style.borderBottomColor), behind(field.parentElement));
    if (contrast < 3) found.push(`border of ${path(field)} at ${contrast.toFixed(2)}:1`);
  }
  for (const segment of document.querySelectorAll("svg.bar rect")) {
    if (!shown(segment) || segment.getBBox().width === 0) continue;
    const contrast = ratio(rgba(getComputedStyle(segment).fill), behind(segment.closest("svg")));
    if (contrast < 3) found.push(`${path(segment)} against its track at ${contrast.toFixed(2)}:1`);
  }
  const header = document.querySelector(".site-header");
  return { found, header: header ? Math.round(header.getBoundingClientRect().height) : 0 };
}
"""
# The header, menu closed, on a phone: at most two short rows (a member's links fold into a menu).
HEADER_MAX = 100


@pytest.fixture(scope="module")
def browser():
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def axe_script():
    from axe_playwright_python.base import AXE_SCRIPT

    return AXE_SCRIPT


def public_pages():
    """What anyone reaches: lists, communities, every public project with its supporters,
    expenses and public updates, the leads' profiles, a receipt's verification page, log-in and
    sign-up."""
    projects = list(Project.objects.public().order_by("pk"))
    urls = [reverse("pages:home"), reverse("accounts:login"), reverse("accounts:signup")]
    urls += [community.get_absolute_url() for community in Community.objects.order_by("pk")]
    for project in projects:
        slug = {"slug": project.slug}
        urls += [project.get_absolute_url(), reverse("pages:supporters", kwargs=slug)]
        urls.append(reverse("publishing:expenses", kwargs=slug))
    updates = Update.objects.filter(
        project__in=projects, published_at__isnull=False, hidden_at__isnull=True, audience=Update.Audience.PUBLIC
    ).order_by("pk")
    urls += [update.get_absolute_url() for update in updates]
    leads = Member.objects.filter(led_projects__in=projects).distinct().order_by("pk")
    urls += [lead.get_absolute_url() for lead in leads]
    urls.append(reverse("receipts:verify", kwargs={"code": Receipt.objects.order_by("pk").first().code}))
    return urls


def donor_pages(donor):
    """A donor's own pages: their pledges (each one's page), a pledge form of each kind of need,
    their account, API tokens and tax identity, the proposal form, a report form; and the projects
    they support as they see them (with the updates kept for supporters)."""
    pledges = Pledge.objects.filter(donor=donor).select_related("need__project").order_by("pk")
    supported = sorted({pledge.need.project for pledge in pledges}, key=lambda project: project.pk)
    urls = [reverse("pages:home"), donor.get_absolute_url(), reverse("pages:my_pledges")]
    urls += [reverse("donations:pledge_detail", kwargs={"pledge_id": pledge.pk}) for pledge in pledges]
    for kind in Need.Kind.values:
        need = Need.objects.filter(kind=kind, project__status=Project.Status.OPEN).order_by("pk").first()
        urls.append(reverse("donations:pledge", kwargs={"slug": need.project.slug, "need_id": need.pk}))
    urls += [reverse(name) for name in ("accounts:account", "accounts:tokens", "receipts:tax_identity")]
    urls += [reverse("projects:create"), reverse("projects:my_invitations"), reverse("accounts:delete_account")]
    urls.append(reverse("moderation:flag", kwargs={"kind": "project", "target_id": supported[0].pk}))
    urls += [project.get_absolute_url() for project in supported]
    supporters_only = Update.objects.filter(
        project__in=supported, published_at__isnull=False, audience=Update.Audience.SUPPORTERS
    ).order_by("pk")
    urls += [update.get_absolute_url() for update in supporters_only]
    return urls


# A lead's pages of each project they lead, and the forms of an open one.
LEAD_PROJECT_PAGES = (
    "pages:dashboard",
    "pages:project_status",
    "donations:giving_edit",
    "publishing:milestones",
    "publishing:updates_manage",
    "projects:edit",
    "projects:team",
)
LEAD_FORMS = ("donations:need_add", "publishing:milestone_add", "publishing:update_add", "publishing:expense_add")
STILL_TO_ARRIVE = (Pledge.Status.PLEDGED, Pledge.Status.PARTIALLY_FULFILLED)


def lead_pages(lead):
    """A lead's pages for each project they lead: the project as they see it, the dashboard, its
    status, how to give, milestones, updates, the project form; the forms to add a need, a
    milestone, an update, an expense; then one of each form on their records: a need of each kind,
    a reception and a cancellation of a pledge still to arrive, a milestone, an update, an expense's
    correction."""
    projects = list(Project.objects.filter(leads=lead).order_by("pk"))
    urls = [reverse("pages:home")]
    for project in projects:
        urls.append(project.get_absolute_url())
        urls += [reverse(name, kwargs={"slug": project.slug}) for name in LEAD_PROJECT_PAGES]
    open_projects = [project for project in projects if project.status == Project.Status.OPEN]
    urls += [reverse(name, kwargs={"slug": open_projects[0].slug}) for name in LEAD_FORMS]
    for kind in Need.Kind.values:
        need = Need.objects.filter(kind=kind, project__in=open_projects).select_related("project").order_by("pk")[0]
        urls.append(reverse("donations:need_edit", kwargs={"slug": need.project.slug, "need_id": need.pk}))
        pledge = (
            Pledge.objects.filter(need__kind=kind, need__project__in=open_projects, status__in=STILL_TO_ARRIVE)
            .select_related("need__project")
            .order_by("pk")[0]
        )
        mine = {"slug": pledge.need.project.slug, "pledge_id": pledge.pk}
        urls += [reverse("donations:reception_add", kwargs=mine), reverse("donations:lead_pledge_cancel", kwargs=mine)]
    for name, model, key in (
        ("publishing:milestone_edit", Milestone, "milestone_id"),
        ("publishing:update_edit", Update, "update_id"),
        ("publishing:expense_correct", Expense, "expense_id"),
    ):
        record = model.objects.filter(project__in=open_projects).select_related("project").order_by("pk")[0]
        urls.append(reverse(name, kwargs={"slug": record.project.slug, key: record.pk}))
    return urls


def moderator_pages(moderator):
    """A moderator's queue in each community they moderate (and a pledge looked up by its number),
    the proposals waiting there, and their dashboards (read-only)."""
    communities = Community.objects.filter(
        memberships__member=moderator, memberships__role=Membership.Role.MODERATOR
    ).order_by("pk")
    urls = [reverse("pages:home")]
    for community in communities:
        queue = reverse("moderation:queue", kwargs={"slug": community.slug})
        pledge = Pledge.objects.filter(need__project__community=community).order_by("pk").first()
        urls += [queue, f"{queue}?pledge={pledge.pk}"]
        for project in community.projects.filter(status=Project.Status.IN_REVIEW).order_by("pk"):
            urls += [project.get_absolute_url(), reverse("pages:dashboard", kwargs={"slug": project.slug})]
    return urls


def superuser_pages():
    """The site's queue, and the drafts only a superuser (and their leads) may open."""
    urls = [reverse("pages:home"), reverse("moderation:site_queue")]
    for project in Project.objects.filter(status=Project.Status.DRAFT).order_by("pk"):
        urls += [project.get_absolute_url(), reverse("pages:dashboard", kwargs={"slug": project.slug})]
    return urls


def roles():
    return [
        ("anonymous visitor", None, public_pages()),
        ("donor", DONOR, donor_pages(Member.objects.get(handle=DONOR))),
        ("project lead", LEAD, lead_pages(Member.objects.get(handle=LEAD))),
        ("moderator", MODERATOR, moderator_pages(Member.objects.get(handle=MODERATOR))),
        ("superuser", SUPERUSER, superuser_pages()),
    ]


def log_in(page, base_url, handle):
    page.goto(base_url + reverse("accounts:login"))
    page.fill("input[name=username]", handle)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form:has(input[name=username]) [type=submit]")
    page.wait_for_url(lambda url: reverse("accounts:login") not in url)


def page_problems(page):
    """What is wrong with the page on screen: its width, its non-text contrast and header, axe's
    serious and critical findings (each a sentence naming where to look)."""
    problems = []
    overflow = page.evaluate(OVERFLOW)
    if overflow:
        culprits = "; ".join(
            f"{culprit['selector']} ({culprit['width']} px wide, right edge at {culprit['right']})"
            for culprit in overflow["culprits"]
        )
        problems.append(f"{overflow['scrollWidth']} px wide in a {overflow['width']} px window: {culprits}")
    non_text = page.evaluate(NON_TEXT)
    problems += [f"non-text contrast: {finding}" for finding in non_text["found"]]
    if non_text["header"] > HEADER_MAX:
        problems.append(f"the site header takes {non_text['header']} px of the screen (at most {HEADER_MAX})")
    results = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    for violation in results["violations"]:
        if violation["impact"] in FAILING_IMPACTS:
            targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
            rest = len(violation["nodes"]) - 3
            more = f" and {rest} more" if rest > 0 else ""
            problems.append(f"axe {violation['id']} ({violation['impact']}) on {targets}{more}")
    return problems


def report(problems):
    """One line per problem, with the first page it was seen on and how many more showed it."""
    lines = []
    for problem, urls in problems.items():
        more = f" (and {len(urls) - 1} more pages)" if len(urls) > 1 else ""
        lines.append(f"{problem}\n    at {urls[0]}{more}")
    return f"{len(problems)} problems on a phone:\n" + "\n".join(lines)


@pytest.mark.parametrize("language", ["fr", "en", "ar"])
@pytest.mark.django_db(transaction=True)
def test_every_demo_page_fits_a_phone_and_passes_axe(browser, axe_script, live_server, language):
    call_command("load_demo", verbosity=0)
    problems = {}  # each problem: the pages that show it

    def check(page, role, url, opened=""):
        html = page.evaluate("[document.documentElement.lang, document.documentElement.dir]")
        if html != [language, "rtl" if language == "ar" else "ltr"]:
            problems.setdefault(f"[{role}, {language}] <html lang dir> is {html}", []).append(url)
        for problem in page_problems(page):
            problems.setdefault(f"[{role}, {language}{opened}] {problem}", []).append(url)

    for role, handle, urls in roles():
        context = browser.new_context(
            viewport=PHONE,
            device_scale_factor=1,
            locale=language,
            extra_http_headers={"Accept-Language": language},
        )
        context.add_init_script(axe_script)
        page = context.new_page()
        if handle:
            log_in(page, live_server.url, handle)
        for url in urls:
            response = page.goto(live_server.url + url)
            if response.status != 200:
                problems.setdefault(f"[{role}, {language}] answered {response.status}, not 200", []).append(url)
                continue
            check(page, role, url)
        if handle:
            # The header's menu, open (on the last page visited).
            page.click(".site-header .menu > summary")
            check(page, role, url, opened=", menu open")
        context.close()
    assert not problems, report(problems)
