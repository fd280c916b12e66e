"""A newcomer's walk in a real browser: sign up, pledge 10 blankets, the lead records 8, the
project page shows 8 received of the goal. Every page works under the Content-Security-Policy:
each context records the violations Chromium reports, and a test fails on any.

Playwright drives Debian's chromium (never a browser of its own download); `make test`
installs it from apt when it is missing.
"""

import os
import shutil
from decimal import Decimal
from types import SimpleNamespace

import pytest

from accounts.tests.factories import PASSWORD, MemberFactory
from donations.models import Pledge, Reception
from donations.tests.factories import NeedFactory
from projects.tests.factories import CommunityFactory, ProjectFactory
from publishing.updates import update_create

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is missing: apt-get install chromium"),
]

# Flags for a headless browser on a machine without network or display.
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


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API runs an event loop in this thread; the database calls the test
    # makes between browser steps are ordinary synchronous ones.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Reports each Content-Security-Policy violation on the console, where the context's listener
# collects it (with Chromium's own "Refused to ..." message). Playwright injects this script
# itself, before the page's own: the page's policy does not apply to it.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.effectiveDirective} refused ${event.blockedURI}`);
});
"""


def watched_context(browser, language="en-GB"):
    """A new browser context in `language`, and what it saw: CSP violations, every URL it asked for
    (the browser may refuse to send it: `blocked` has those, with the reason)."""
    context = browser.new_context(locale=language, extra_http_headers={"Accept-Language": language})
    seen = SimpleNamespace(violations=[], requests=[], blocked=[])
    context.add_init_script(REPORT_VIOLATIONS)

    def on_console(message):
        if "CSP violation" in message.text or "Content Security Policy" in message.text:
            seen.violations.append(message.text)

    context.on("console", on_console)
    context.on("request", lambda request: seen.requests.append(request.url))
    context.on("requestfailed", lambda request: seen.blocked.append((request.url, request.failure)))
    return context, seen


def log_in(page, base_url, handle, password):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", handle)
    page.fill("input[name=password]", password)
    page.click("form:has(input[name=username]) [type=submit]")


@pytest.mark.django_db(transaction=True)
def test_newcomer_pledges_ten_blankets_and_sees_eight_received(browser, live_server):
    lead = MemberFactory(handle="lead_aghbar")
    project = ProjectFactory(
        title="Vêtements chauds pour Aghbar", slug="aghbar", created_by=lead, category="warm_clothing"
    )
    blankets = NeedFactory(project=project, label="couverture", unit="pièce", target_quantity=Decimal("200"))

    newcomer, newcomer_saw = watched_context(browser)
    page = newcomer.new_page()
    page.goto(f"{live_server.url}/accounts/signup/")
    page.fill("input[name=handle]", "@Nouvelle_Twitta")
    page.fill("input[name=password1]", "un-mot-de-passe-long")
    page.fill("input[name=password2]", "un-mot-de-passe-long")
    page.click("form:has(input[name=handle]) [type=submit]")

    page.goto(f"{live_server.url}{project.get_absolute_url()}")
    page.click(f"a[href$='/needs/{blankets.pk}/pledge/']")
    page.fill("input[name=quantity]", "10")
    page.select_option("select[name=channel]", Pledge.Channel.DROP_OFF)
    page.click("form:has(input[name=quantity]) [type=submit]")
    page.wait_for_url("**/me/pledges/*/")

    pledge = Pledge.objects.get(need=blankets)
    assert pledge.donor.handle == "Nouvelle_Twitta"
    assert pledge.quantity == Decimal("10")
    assert "Nouvelle_Twitta" in page.content()
    # The pledge's page: its reference, to give with the blankets.
    assert pledge.reference in page.locator("#how-to-give").inner_text()
    assert newcomer_saw.violations == []
    newcomer.close()

    lead_context, lead_saw = watched_context(browser)
    page = lead_context.new_page()
    log_in(page, live_server.url, "lead_aghbar", PASSWORD)
    page.goto(f"{live_server.url}/p/{project.slug}/manage/")
    page.click(f"a[href$='/manage/pledges/{pledge.pk}/receive/']")
    page.fill("input[name=quantity]", "8")
    page.click("form:has(input[name=quantity]) [type=submit]")
    page.wait_for_url(f"**/p/{project.slug}/manage/**")
    assert lead_saw.violations == []
    lead_context.close()

    assert [reception.quantity for reception in Reception.objects.filter(pledge=pledge)] == [Decimal("8")]
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PARTIALLY_FULFILLED

    visitor, visitor_saw = watched_context(browser)
    page = visitor.new_page()
    page.goto(f"{live_server.url}{project.get_absolute_url()}")
    need_block = page.locator(f"#need-{blankets.pk}")
    text = " ".join(need_block.inner_text().split())
    assert "8 pièce" in text
    assert "200 pièce" in text
    assert visitor_saw.violations == []
    visitor.close()


PIXEL = "http://other.host/pixel.png"


def wait_for(condition, page, timeout_ms=3000):
    for _ in range(timeout_ms // 100):
        if condition():
            return True
        page.wait_for_timeout(100)
    return condition()


@pytest.mark.django_db(transaction=True)
def test_pages_admin_and_api_docs_work_under_the_policy_and_load_no_pixel(browser, live_server):
    community = CommunityFactory(slug="twittoma", name="Twittoma")
    project = ProjectFactory(
        community=community,
        slug="tighzit",
        title="Classe de Tighzit",
        story=f'Notre classe.\n\n![a pixel]({PIXEL})\n\n<img src="{PIXEL}" width="1" height="1">',
    )
    NeedFactory(project=project, cash=True, target_quantity=Decimal("5000"))
    update = update_create(
        project=project, actor=project.created_by, title="Les murs", body=f"![pixel]({PIXEL})", publish=True
    )
    MemberFactory(handle="operatrice", is_staff=True, is_superuser=True)

    visitor, seen = watched_context(browser)
    page = visitor.new_page()
    for path in (
        "/",
        "/c/twittoma/",
        "/p/tighzit/",
        update.get_absolute_url(),
        "/accounts/login/",
        "/accounts/signup/",
    ):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert "img-src 'self'" in response.headers["content-security-policy"], path
    assert seen.violations == []
    page.goto(f"{live_server.url}/p/tighzit/")
    assert page.locator(f'.story a[href="{PIXEL}"]').count() == 2
    assert page.locator("svg.bar rect.bar-received").count() >= 1
    assert not [url for url in seen.requests if "other.host" in url]

    # Swagger UI draws the docs from its own files, its start-up script a file too.
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15000)
    assert "Tiwizi API" in page.inner_text(".swagger-ui .info .title")
    page.click("#operations-projects-projects_list .opblock-summary")
    page.click("#operations-projects-projects_list .try-out__btn")
    page.click("#operations-projects-projects_list .execute")
    page.wait_for_selector("#operations-projects-projects_list .responses-table .response-col_status")
    assert seen.violations == []

    # The policy is enforced and the watcher sees it: an image from elsewhere, added by a script
    # the page did not load (the test's own), is refused by the browser, which sends nothing.
    page.goto(f"{live_server.url}/p/tighzit/")
    page.evaluate(
        "() => { const img = new Image(); img.src = 'http://other.host/probe.png'; document.body.append(img); }"
    )
    assert wait_for(lambda: any("other.host/probe.png" in text for text in seen.violations), page)
    assert wait_for(lambda: ("http://other.host/probe.png", "csp") in seen.blocked, page)
    visitor.close()

    # The admin, for superusers: its pages, scripts and forms under the same policy.
    operator, seen = watched_context(browser)
    page = operator.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", "operatrice")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    for path in (
        f"/admin/projects/project/{project.pk}/change/",
        "/admin/accounts/member/",
        "/admin/projects/project/",
    ):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
    assert seen.violations == []
    operator.close()


@pytest.mark.django_db(transaction=True)
def test_the_card_pay_form_leads_to_stripe_checkout_and_nowhere_else(browser, live_server, fake_stripe, monkeypatch):
    donor = MemberFactory(handle="donatrice")
    fund = NeedFactory(
        project=ProjectFactory(slug="tighzit", currency="MAD"), cash=True, target_quantity=Decimal("5000")
    )
    # Stripe's Checkout pages are on checkout.stripe.com; the fake says so, and the browser is
    # answered there by the test (no network here).
    host = {"origin": "https://checkout.stripe.com"}
    create = fake_stripe._create_session

    def create_session(params):
        session = create(params)
        return {**session, "url": f"{host['origin']}/c/pay/{session['id']}"}

    monkeypatch.setattr(fake_stripe, "_create_session", create_session)
    context, seen = watched_context(browser)
    for origin in ("https://checkout.stripe.com", "https://checkout.elsewhere.test"):
        context.route(
            f"{origin}/**", lambda route: route.fulfill(status=200, content_type="text/html", body="Checkout")
        )
    page = context.new_page()
    log_in(page, live_server.url, "donatrice", PASSWORD)

    pledge = Pledge.objects.create(need=fund, donor=donor, quantity=Decimal("100"), channel=Pledge.Channel.CARD)
    page.goto(f"{live_server.url}/me/pledges/{pledge.pk}/pay/")
    page.click("form.card [type=submit]")
    page.wait_for_url("https://checkout.stripe.com/c/pay/**")
    assert seen.violations == []

    # Chromium checks form-action on the redirect that answers a form: another host is refused.
    host["origin"] = "https://checkout.elsewhere.test"
    other = Pledge.objects.create(need=fund, donor=donor, quantity=Decimal("50"), channel=Pledge.Channel.CARD)
    page.goto(f"{live_server.url}/me/pledges/{other.pk}/pay/")
    page.click("form.card [type=submit]")
    assert wait_for(lambda: any("form-action" in text for text in seen.violations), page)
    assert not page.url.startswith("https://checkout.elsewhere.test")
    context.close()
