"""A newcomer's walk in a real browser: sign up, pledge 10 blankets, the lead records 8, the
project page shows 8 received of the goal.

Playwright drives Debian's chromium (never a browser of its own download); `make test`
installs it from apt when it is missing.
"""

import os
import shutil
from decimal import Decimal

import pytest

from accounts.tests.factories import PASSWORD, MemberFactory
from donations.models import Pledge, Reception
from donations.tests.factories import NeedFactory
from projects.tests.factories import ProjectFactory

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

    newcomer = browser.new_context(locale="en-GB")
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
    page.wait_for_url("**/me/pledges/")

    pledge = Pledge.objects.get(need=blankets)
    assert pledge.donor.handle == "Nouvelle_Twitta"
    assert pledge.quantity == Decimal("10")
    assert "Nouvelle_Twitta" in page.content()
    newcomer.close()

    lead_context = browser.new_context(locale="en-GB")
    page = lead_context.new_page()
    log_in(page, live_server.url, "lead_aghbar", PASSWORD)
    page.goto(f"{live_server.url}/p/{project.slug}/manage/")
    page.click(f"a[href$='/manage/pledges/{pledge.pk}/receive/']")
    page.fill("input[name=quantity]", "8")
    page.click("form:has(input[name=quantity]) [type=submit]")
    page.wait_for_url(f"**/p/{project.slug}/manage/**")
    lead_context.close()

    assert [reception.quantity for reception in Reception.objects.filter(pledge=pledge)] == [Decimal("8")]
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PARTIALLY_FULFILLED

    visitor = browser.new_context(locale="en-GB")
    page = visitor.new_page()
    page.goto(f"{live_server.url}{project.get_absolute_url()}")
    need_block = page.locator(f"#need-{blankets.pk}")
    text = " ".join(need_block.inner_text().split())
    assert "8 pièce" in text
    assert "200 pièce" in text
    visitor.close()
