"""An update reaches each supporter in their own language (accounts/languages.py): the subject
keeps the project's and the update's own words, the text around them is the member's, and the
HTML part says its language and direction."""

import pytest
from django.core import mail

from accounts.tests.factories import MemberFactory
from donations.tests.factories import NeedFactory, PledgeFactory
from projects.tests.factories import ProjectFactory
from publishing.update_emails import send_pending
from publishing.updates import update_create

pytestmark = pytest.mark.django_db

# Each language's subject, what it says around the update, and the HTML part's opening tag.
EXPECTED = {
    "fr": (
        "Couvertures pour Aghbar\u00a0: Les couvertures sont arrivées",
        "@lead_aghbar a publié une actualité sur Couvertures pour Aghbar, un projet que vous soutenez\u00a0:",
        "Vous recevez cet e-mail parce que vous avez fait une promesse de don à ce projet.",
        '<html lang="fr" dir="ltr">',
    ),
    "en": (
        "Couvertures pour Aghbar: Les couvertures sont arrivées",
        "@lead_aghbar published an update on Couvertures pour Aghbar, a project you support:",
        "You receive this email because you pledged to this project.",
        '<html lang="en" dir="ltr">',
    ),
    "ar": (
        "Couvertures pour Aghbar: Les couvertures sont arrivées",
        "نشر @lead_aghbar مستجدًّا عن Couvertures pour Aghbar، وهو مشروع تدعمه:",
        "تتلقّى هذه الرسالة لأنك تعهّدت بالتبرّع لهذا المشروع.",
        '<html lang="ar" dir="rtl">',
    ),
}


@pytest.fixture(autouse=True)
def email_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LANGUAGE_CODE = "fr"


def test_an_update_goes_to_three_supporters_in_their_three_languages(settings):
    project = ProjectFactory(
        slug="aghbar", title="Couvertures pour Aghbar", leads=[lead := MemberFactory(handle="lead_aghbar")]
    )
    need = NeedFactory(project=project)
    for language in EXPECTED:
        PledgeFactory(need=need, donor=MemberFactory(handle=f"donor_{language}", language=language))

    update_create(
        project=project, actor=lead, title="Les couvertures sont arrivées", body="Merci **à tous**.", publish=True
    )
    assert send_pending() == {"sent": 3, "failed": 0}

    emails = {message.to[0].split("@")[0].removeprefix("donor_"): message for message in mail.outbox}
    assert set(emails) == set(EXPECTED)
    for language, (subject, opening, footer, html_tag) in EXPECTED.items():
        message = emails[language]
        assert message.subject == subject, language
        assert opening in message.body, language
        assert footer in message.body, language
        html = message.alternatives[0][0]
        assert html_tag in html, language
        assert footer in html, language
