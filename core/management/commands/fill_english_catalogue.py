"""Fill the English catalogue from its sources: the source strings are English, so each entry's
translation is its msgid (and msgid_plural). Run by `make messages` after makemessages, so that
the English catalogue is complete like the others (core/tests/test_i18n.py) and a wording fixed
in the source is never hidden by an old English msgstr."""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Make every entry of locale/en a copy of its source string."

    def handle(self, *args, **options):
        path = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
        catalogue = polib.pofile(str(path), wrapwidth=79)
        for entry in catalogue:
            if entry.obsolete:
                continue
            if entry.msgid_plural:
                entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
            else:
                entry.msgstr = entry.msgid
            entry.flags = [flag for flag in entry.flags if flag != "fuzzy"]
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
        catalogue.metadata_is_fuzzy = False
        catalogue.save()
        self.stdout.write(f"{len(catalogue)} English entries filled from their sources.")
