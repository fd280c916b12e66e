"""Languages: the site speaks French first, English on request, and the French catalogue is complete.

The catalogue checks read the .po with polib and the compiled .mo with the standard library, so
they need no gettext tools: a fresh machine that cannot run msgfmt still serves the committed .mo.
"""

import gettext
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.tests.factories import MemberFactory
from donations.models import Pledge
from donations.tests.factories import NeedFactory
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.BASE_DIR) / "locale"
FRENCH_PO = LOCALE / "fr" / "LC_MESSAGES" / "django.po"
FRENCH_MO = LOCALE / "fr" / "LC_MESSAGES" / "django.mo"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")


def choose_english(client):
    """Switch the way a visitor does, with the language form of every page."""
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("pages:home")})
    assert response.status_code == 302


def post_cash_pledge(client, need, quantity):
    payload = {"quantity": quantity, "channel": Pledge.Channel.MOBILE_MONEY, "visibility": Pledge.Visibility.PUBLIC}
    return client.post(reverse("donations:pledge", kwargs={"slug": need.project.slug, "need_id": need.pk}), payload)


def french_catalogue():
    return polib.pofile(str(FRENCH_PO))


# --- Pages ---------------------------------------------------------------------------------------


def test_home_is_in_french_by_default(client):
    ProjectFactory()

    page = client.get(reverse("pages:home")).content.decode()

    assert '<html lang="fr"' in page
    assert "Se connecter" in page
    assert "1 projet" in page
    assert "Log in" not in page


def test_visitor_chooses_english_with_the_language_form(client):
    ProjectFactory()
    choose_english(client)

    page = client.get(reverse("pages:home")).content.decode()

    assert '<html lang="en"' in page
    assert "Log in" in page
    assert "1 project" in page
    assert "Se connecter" not in page


def test_pledge_form_error_is_in_french_by_default(login):
    need = NeedFactory(cash=True)

    response = post_cash_pledge(login(MemberFactory()), need, "abc")

    assert response.status_code == 200
    assert response.context["form"].errors["quantity"] == ["Saisissez un nombre."]
    assert "Saisissez un nombre." in response.content.decode()
    assert not Pledge.objects.exists()


def test_pledge_form_error_is_in_english_once_chosen(login):
    need = NeedFactory(cash=True)
    client = login(MemberFactory())
    choose_english(client)

    response = post_cash_pledge(client, need, "abc")

    assert response.context["form"].errors["quantity"] == ["Enter a number."]
    assert "Enter a number." in response.content.decode()
    assert not Pledge.objects.exists()


def test_page_not_found_speaks_french(client):
    response = client.get(reverse("pages:project", kwargs={"slug": "nothing-here"}))

    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_french_plural_keeps_zero_and_one_singular():
    with translation.override("fr"):
        counted = [
            translation.ngettext("%(counter)s supporter", "%(counter)s supporters", n) % {"counter": n}
            for n in (0, 1, 2)
        ]
    assert counted == ["0 soutien", "1 soutien", "2 soutiens"]


# --- The French catalogue -----------------------------------------------------------------------


def test_french_catalogue_has_no_untranslated_or_fuzzy_entry():
    catalogue = french_catalogue()

    assert [entry.msgid for entry in catalogue.untranslated_entries()] == []
    assert [entry.msgid for entry in catalogue.fuzzy_entries()] == []
    assert not catalogue.metadata_is_fuzzy
    assert catalogue.metadata["Plural-Forms"] == "nplurals=2; plural=(n > 1);"


def test_french_translations_keep_every_placeholder():
    mismatched = []
    for entry in french_catalogue().translated_entries():
        sources = [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        expected = sorted(PLACEHOLDER.findall(sources[-1]))
        mismatched += [(entry.msgid, text) for text in translations if sorted(PLACEHOLDER.findall(text)) != expected]
    assert mismatched == []


def test_compiled_french_catalogue_matches_the_po():
    """A .po edited without running compilemessages would be served in its old state."""
    with FRENCH_MO.open("rb") as compiled_file:
        compiled = gettext.GNUTranslations(compiled_file)
    stale = []
    for entry in french_catalogue().translated_entries():
        if entry.msgid_plural:
            served = [compiled.ngettext(entry.msgid, entry.msgid_plural, n) for n in (1, 2)]
            wanted = [entry.msgstr_plural[0], entry.msgstr_plural[1]]
        elif entry.msgctxt:
            served, wanted = compiled.pgettext(entry.msgctxt, entry.msgid), entry.msgstr
        else:
            served, wanted = compiled.gettext(entry.msgid), entry.msgstr
        if served != wanted:
            stale.append(entry.msgid)
    assert stale == []
