"""A campaign run from a phone, in a real browser at 390 px: a newcomer signs up, pledges 200 MAD
by transfer and is told where to send it with which reference, pledges 3 blankets and is told
where to bring them; the lead finds the transfer by its reference and records what arrived, with
no horizontal scrolling; the donor downloads the receipt, and its QR code's address opens the
verification page on the same server. In English, and in Arabic, right to left."""

import re
from decimal import Decimal

import pytest
from django.utils import translation

from accounts.tests.factories import PASSWORD, MemberFactory
from donations.models import Pledge
from donations.services import giving_details_set
from donations.tests.factories import NeedFactory
from pages.tests.test_browser import CHROMIUM, CHROMIUM_ARGS, log_in, watched_context
from projects.tests.factories import CommunityFactory, ProjectFactory
from receipts.models import Receipt
from receipts.tests.factories import IssuerFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
IBAN = "MA64 0111 1000 0012 3456 7890 1234"


@pytest.fixture(scope="module")
def browser():
    import os

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def on_a_phone(browser, language):
    context, seen = watched_context(browser, language)
    page = context.new_page()
    page.set_viewport_size(PHONE)
    return context, page, seen


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def words_of(msgid, language):
    """The longest run of words of `msgid`'s translation in `language`, placeholders and tags
    aside: what the page must show of it. Outside English it must be translated."""
    with translation.override(language):
        text = translation.gettext(msgid)
    assert language == "en" or text != msgid, f"not translated into {language}: {msgid}"
    return max((part.strip() for part in re.split(r"%\(\w+\)s|<[^>]+>", text)), key=len)


def says(page, language):
    return page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [
        language,
        "rtl" if language == "ar" else "ltr",
    ]


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.django_db(transaction=True)
def test_a_whole_campaign_on_a_phone(browser, live_server, settings, language):
    settings.SITE_URL = live_server.url  # what make run sets for its own port
    community = CommunityFactory(name="Twittoma", slug="twittoma")
    IssuerFactory(community=community, legal_name="Association Tighzit")
    lead = MemberFactory(handle="lead_tighzit")
    project = ProjectFactory(community=community, created_by=lead, title="Classe à Tighzit", slug="tighzit")
    fund = NeedFactory(project=project, cash=True, label="construction", target_quantity=Decimal("60000"))
    blankets = NeedFactory(project=project, label="couverture", unit="pièce", target_quantity=Decimal("50"))
    giving_details_set(
        project=project,
        actor=lead,
        details={"bank_holder": "Association Tighzit", "bank_account": IBAN, "bank_name": "CIH"},
        collection_points=[{"name": "Dar Chabab Tighzit", "address": "Rue principale", "hours": "Mon–Sat 9–18h"}],
    )

    context, page, seen = on_a_phone(browser, language)
    page.goto(f"{live_server.url}/accounts/signup/")
    page.fill("input[name=handle]", "@Nouvelle_Twitta")
    page.fill("input[name=password1]", "un-mot-de-passe-long")
    page.fill("input[name=password2]", "un-mot-de-passe-long")
    page.click("form:has(input[name=handle]) [type=submit]")

    # 200 MAD by bank transfer: where to, with which reference, by when.
    page.goto(f"{live_server.url}/p/tighzit/")
    assert fits(page)
    page.click(f"a[href$='/needs/{fund.pk}/pledge/']")
    page.fill("input[name=quantity]", "200")
    page.select_option("select[name=channel]", Pledge.Channel.BANK_TRANSFER)
    page.click("form:has(input[name=quantity]) [type=submit]")
    page.wait_for_url("**/me/pledges/*/")
    transfer = Pledge.objects.get(need=fund)
    told = " ".join(page.locator("#how-to-give").inner_text().split())
    assert words_of("Send <strong>%(amount)s</strong> by bank transfer to:", language) in told
    assert "200" in told and "MAD" in told
    assert IBAN in told and transfer.reference in told
    if language == "en":
        assert "Send 200 MAD by bank transfer to:" in told and "before" in told
    assert says(page, language) and fits(page)

    # 3 blankets: where to bring them, and when it is open.
    page.goto(f"{live_server.url}/p/tighzit/needs/{blankets.pk}/pledge/")
    page.fill("input[name=quantity]", "3")
    page.select_option("select[name=channel]", Pledge.Channel.DROP_OFF)
    page.click("form:has(input[name=quantity]) [type=submit]")
    page.wait_for_url("**/me/pledges/*/")
    told = " ".join(page.locator("#how-to-give").inner_text().split())
    assert words_of("Bring <strong>%(amount)s</strong> to one of these places:", language) in told
    if language == "en":
        assert "Bring 3 pièces to one of these places:" in told
    assert "Dar Chabab Tighzit" in told and "Mon–Sat 9–18h" in told
    assert says(page, language) and fits(page)

    # The lead finds the transfer by the reference the bank statement quotes, and records it.
    lead_context, lead_page, lead_seen = on_a_phone(browser, language)
    log_in(lead_page, live_server.url, "lead_tighzit", PASSWORD)
    lead_page.goto(f"{live_server.url}/p/tighzit/manage/")
    lead_page.fill("input[name=search]", transfer.reference.lower().replace("-", " "))
    lead_page.click("form.pledge-search [type=submit]")
    cards = lead_page.locator("article.pledge-card")
    assert cards.count() == 1 and transfer.reference in cards.first.inner_text()
    assert fits(lead_page)
    record = cards.first.locator("a", has_text=words_of("Record what arrived", language))
    assert record.is_visible() and record.bounding_box()["x"] + record.bounding_box()["width"] <= PHONE["width"]
    record.click()
    lead_page.fill("input[name=quantity]", "200")
    assert fits(lead_page)
    lead_page.click("form:has(input[name=quantity]) [type=submit]")
    lead_page.wait_for_url("**/p/tighzit/manage/**")
    transfer.refresh_from_db()
    assert transfer.status == Pledge.Status.FULFILLED
    assert lead_seen.violations == []
    lead_context.close()

    # The donor downloads the receipt; its QR code's address is this server's verification page.
    receipt = Receipt.objects.get(pledge=transfer)
    page.goto(f"{live_server.url}/me/pledges/")
    href = page.locator(f"a[href='/receipts/{receipt.pk}/pdf/']").get_attribute("href")
    pdf = context.request.get(f"{live_server.url}{href}")  # with the donor's session
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    verification = receipt.snapshot["verification_url"]
    assert verification.startswith(live_server.url)
    page.goto(verification)
    assert words_of("Genuine and valid.", language) in page.content()
    assert says(page, language) and fits(page)
    assert seen.violations == []
    context.close()
