"""Languages: the site speaks French first, English and Arabic on request, and every catalogue is
complete: each string of the sources is translated in French, English and Arabic.

The catalogue checks read the .po with polib and the compiled .mo with the standard library; the
check that the catalogues cover the sources runs makemessages (GNU gettext's xgettext, which
`make test` installs) into a copy of them.
"""

import gettext
import re
import shutil
from contextlib import chdir
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from accounts.tests.factories import MemberFactory
from donations.models import Pledge
from donations.tests.factories import NeedFactory
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = ("fr", "en", "ar")
PLURAL_FORMS = {
    "fr": "nplurals=2; plural=(n > 1);",
    "en": "nplurals=2; plural=(n != 1);",
    "ar": (
        "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : "
        "n%100>=3 && n%100<=10 ? 3 : n%100>=11 && n%100<=99 ? 4 : 5;"
    ),
}
# A number that picks each plural form, in order: French and English 1 and 2; Arabic 0, 1, 2,
# 3 (3-10), 11 (11-99), 100.
FORM_NUMBERS = {"fr": (1, 2), "en": (1, 2), "ar": (0, 1, 2, 3, 11, 100)}
# What the catalogues' coverage test does not copy: no strings to translate there.
NOT_SOURCES = (".venv", ".git", "media", "staticfiles", "node_modules", "__pycache__", "*.sqlite3", "*.mo")
# Forms written for one number only ("one", "two" in words) may leave the number out.
WORDED_FORMS = {"fr": (), "en": (), "ar": (0, 1, 2)}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")


def choose_english(client):
    """Switch the way a visitor does, with the language form of every page."""
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("pages:home")})
    assert response.status_code == 302


def post_cash_pledge(client, need, quantity):
    payload = {"quantity": quantity, "channel": Pledge.Channel.MOBILE_MONEY, "visibility": Pledge.Visibility.PUBLIC}
    return client.post(reverse("donations:pledge", kwargs={"slug": need.project.slug, "need_id": need.pk}), payload)


def catalogue(language):
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


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


# --- The catalogues ------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalogue_has_no_untranslated_or_fuzzy_entry(language):
    entries = catalogue(language)

    assert [entry.msgid for entry in entries.untranslated_entries()] == []
    assert [entry.msgid for entry in entries.fuzzy_entries()] == []
    assert not entries.metadata_is_fuzzy
    assert entries.metadata["Language"] == language
    assert entries.metadata["Plural-Forms"] == PLURAL_FORMS[language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder(language):
    mismatched = []
    for entry in catalogue(language).translated_entries():
        if not entry.msgid_plural:
            if sorted(PLACEHOLDER.findall(entry.msgstr)) != sorted(PLACEHOLDER.findall(entry.msgid)):
                mismatched.append((entry.msgid, entry.msgstr))
            continue
        expected = sorted(PLACEHOLDER.findall(entry.msgid_plural))
        assert len(entry.msgstr_plural) == len(FORM_NUMBERS[language]), entry.msgid
        for form, text in entry.msgstr_plural.items():
            found = sorted(PLACEHOLDER.findall(text))
            if form in WORDED_FORMS[language]:
                ok = all(found.count(name) <= expected.count(name) for name in found)
            else:
                ok = found == expected
            if not ok:
                mismatched.append((entry.msgid, text))
    assert mismatched == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_the_po(language):
    """A .po edited without running compilemessages would be served in its old state."""
    with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as compiled_file:
        compiled = gettext.GNUTranslations(compiled_file)
    stale = []
    for entry in catalogue(language).translated_entries():
        if entry.msgid_plural:
            served = [compiled.ngettext(entry.msgid, entry.msgid_plural, n) for n in FORM_NUMBERS[language]]
            wanted = [entry.msgstr_plural[form] for form in range(len(FORM_NUMBERS[language]))]
        elif entry.msgctxt:
            served, wanted = compiled.pgettext(entry.msgctxt, entry.msgid), entry.msgstr
        else:
            served, wanted = compiled.gettext(entry.msgid), entry.msgstr
        if served != wanted:
            stale.append(entry.msgid)
    assert stale == []


def test_the_catalogues_hold_every_string_of_the_sources(tmp_path, settings):
    """makemessages run again, on a copy of the sources and catalogues (it writes into the
    `locale` folder of the folder it runs in), finds no string the catalogues lack and none they
    keep for nothing: a string added to a template or to the code without `make messages` (and
    its translations) fails here."""
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext is missing: `make test` installs it (apt-get install gettext)")
    base = Path(settings.BASE_DIR)
    copy = tmp_path / "sources"
    shutil.copytree(base, copy, ignore=shutil.ignore_patterns(*NOT_SOURCES))
    settings.LOCALE_PATHS = [copy / "locale"]
    with chdir(copy):
        call_command("makemessages", locale=list(LANGUAGES), no_obsolete=True, verbosity=0)
    for language in LANGUAGES:
        committed = {(entry.msgctxt, entry.msgid) for entry in catalogue(language)}
        current = polib.pofile(str(copy / "locale" / language / "LC_MESSAGES" / "django.po"))
        current = {(entry.msgctxt, entry.msgid) for entry in current}
        assert sorted(current - committed, key=str) == [], f"{language}: strings of the sources not in the catalogue"
        assert sorted(committed - current, key=str) == [], f"{language}: entries that no source uses any more"


def test_arabic_plural_has_six_forms_in_use():
    with translation.override("ar"):
        counted = {
            n: translation.ngettext("%(counter)s supporter", "%(counter)s supporters", n) % {"counter": n}
            for n in (0, 1, 2, 3, 11, 100)
        }
    assert len(set(counted.values())) == 6, counted
