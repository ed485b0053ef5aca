"""The French catalogue translates every message it holds.

`make messages` adds each new message of the code to locale/*/LC_MESSAGES/django.po,
untranslated, or marked fuzzy with a guess from a similar one. Neither kind is compiled:
the page then shows the English text (or, for a message Django's admin also has, the
admin's own translation). So a message left that way is a French page partly in
English: this test names them.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def entries(text: str):
    """Each entry's flags, msgid and msgstr(s), obsolete ones (#~) left out."""
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        flags = " ".join(line for line in lines if line.startswith("#,"))
        fields: dict[str, str] = {}
        key = None
        for line in lines:
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d+\])?|msgctxt) "(.*)"$', line)
            if match:
                key = match.group(1)
                fields[key] = match.group(2)
            elif line.startswith('"') and key:
                fields[key] += line[1:-1]
        if "msgid" in fields:
            yield flags, fields


def untranslated_and_fuzzy(catalogue: Path) -> tuple[list[str], list[str]]:
    untranslated, fuzzy = [], []
    for flags, fields in entries(catalogue.read_text(encoding="utf-8")):
        if not fields["msgid"]:
            continue  # the header
        if "fuzzy" in flags:
            fuzzy.append(fields["msgid"])
        translations = [value for key, value in fields.items() if key.startswith("msgstr")]
        if not all(translations):
            untranslated.append(fields["msgid"])
    return untranslated, fuzzy


def test_every_french_message_is_translated():
    untranslated, fuzzy = untranslated_and_fuzzy(CATALOGUE)
    assert untranslated == [], "untranslated in French (make messages, then translate)"
    assert fuzzy == [], "fuzzy in French: check the guess, then remove the flag"


@pytest.mark.skipif(not shutil.which("xgettext"), reason="needs GNU gettext (xgettext)")
def test_the_french_catalogue_holds_every_message_of_the_code(tmp_path):
    # A message added to the code and never extracted (`make messages` not run) is not
    # in the catalogue at all, so the test above cannot see it: extract the messages
    # again, in a copy of the project (the catalogues in place stay untouched while
    # other test runs read them), and look at what that adds.
    copy = tmp_path / "project"
    shutil.copytree(
        settings.BASE_DIR,
        copy,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "node_modules", "staticfiles", "media", "__pycache__", "*.sqlite3*"
        ),
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "ptce_site.settings.test"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-obsolete", "-v0"],
        cwd=copy,
        env=environment,
        check=True,
        capture_output=True,
    )
    untranslated, fuzzy = untranslated_and_fuzzy(copy / CATALOGUE.relative_to(settings.BASE_DIR))
    assert untranslated == [], "not in the French catalogue: run make messages, then translate"
    assert fuzzy == [], "not in the French catalogue: run make messages, then translate"


def test_the_compiled_catalogue_is_not_older_than_its_source():
    # Django reads django.mo: a translation added to the .po only shows once compiled.
    compiled = CATALOGUE.with_suffix(".mo")
    source_messages = sum(1 for _flags, fields in entries(CATALOGUE.read_text(encoding="utf-8")))
    import gettext

    with compiled.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog  # noqa: SLF001 - the standard library's only view of a .mo's messages
    # Every message of the source is in the compiled file (plural forms count once each
    # there, once per form here).
    singular = {key if isinstance(key, str) else key[0] for key in catalog}
    for _flags, fields in entries(CATALOGUE.read_text(encoding="utf-8")):
        msgid = fields["msgid"].encode().decode("unicode_escape").encode("latin-1").decode()
        if "msgctxt" in fields:
            msgid = fields["msgctxt"] + "\x04" + msgid
        assert msgid in singular, f"not compiled: {msgid!r} (make messages)"
    assert source_messages > 100
