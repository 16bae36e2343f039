"""The Hindi catalogue is complete, keeps its placeholders, is compiled, and matches the source.

Patients and staff read Hindi every day; an untranslated, fuzzy or stale entry shows them English
(or worse, a broken placeholder crashes the page). These tests read the committed
hims/locale/hi/LC_MESSAGES/django.po with a small stdlib parser and check the committed .mo
against it. To fix a failure:

    cd hims && HIMS_TESTING=1 ../.venv/bin/python ../manage.py makemessages -l hi --no-obsolete \\
        --ignore "tests/*" --ignore "*/tests/*"
    # translate every new or fuzzy entry in locale/hi/LC_MESSAGES/django.po, then
    HIMS_TESTING=1 ../.venv/bin/python ../manage.py compilemessages -l hi
"""

from __future__ import annotations

import ast
import gettext as stdlib_gettext
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from hims.notifications.messages import message_render

HIMS_DIR = Path(__file__).resolve().parents[2]
CATALOGUE_DIR = HIMS_DIR / "locale" / "hi" / "LC_MESSAGES"
PO_FILE = CATALOGUE_DIR / "django.po"
MO_FILE = CATALOGUE_DIR / "django.mo"

# printf-style conversions as Python's % operator reads them: %(name)s, %s, %d, %5.2f, %%.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")
KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")\s*$")

# Wordings other tests, the browser journeys and the help desk rely on; change them deliberately.
FIXED_WORDINGS = {
    "Sign in": "साइन इन करें",
    "Sign out": "साइन आउट करें",
    "Username": "उपयोगकर्ता नाम",
    "Password": "पासवर्ड",
    "Registration clerk": "पंजीकरण लिपिक",
    "Doctor": "डॉक्टर",
    "Nurse": "नर्स",
    "Patient sign in": "मरीज़ साइन इन",
    "Staff sign in": "कर्मचारी साइन इन",
    "Mobile number": "मोबाइल नंबर",
    "Send code": "कोड भेजें",
    "Code from SMS": "SMS में आया कोड",
    "Enter the code": "कोड दर्ज करें",
    "My health": "मेरा स्वास्थ्य",
    "Central Delhi": "मध्य दिल्ली",
    "North East Delhi": "उत्तर पूर्वी दिल्ली",
    "Shahdara": "शाहदरा",
    "Monday": "सोमवार",
    "Sunday": "रविवार",
}


@dataclass
class Entry:
    """One message of a .po file; `msgstr` holds one string, or one per plural form."""

    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def label(self) -> str:
        context = f"[{self.msgctxt}] " if self.msgctxt is not None else ""
        return f"line {self.line}: {context}{self.msgid!r}"


def _unquote(literal: str) -> str:
    # A .po string is a C string literal; for the escapes gettext writes (\n \t \" \\) Python's
    # own string literal syntax reads it the same way.
    value = ast.literal_eval(literal)
    assert isinstance(value, str)
    return value


def parse_po(text: str) -> tuple[dict[str, str], list[Entry]]:
    """The header fields and the message entries of a .po file (obsolete `#~` entries skipped)."""
    entries: list[Entry] = []
    entry = Entry()
    keyword: str | None = None  # the field a continuation line ("...") extends

    def close_finished_entry() -> None:
        nonlocal entry, keyword
        if entry.msgstr:  # a msgstr has been read, so the entry is complete
            entries.append(entry)
            entry, keyword = Entry(), None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            close_finished_entry()
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
        elif match := KEYWORD.match(line):
            keyword, value = match.group(1), _unquote(match.group(2))
            if keyword in ("msgctxt", "msgid"):
                close_finished_entry()
                entry.line = entry.line or number
            if keyword == "msgctxt":
                entry.msgctxt = value
            elif keyword == "msgid":
                entry.msgid = value
            elif keyword == "msgid_plural":
                entry.msgid_plural = value
            else:
                entry.msgstr.append(value)
        elif line.startswith('"') and keyword is not None:
            value = _unquote(line)
            if keyword == "msgctxt":
                entry.msgctxt = (entry.msgctxt or "") + value
            elif keyword == "msgid":
                entry.msgid += value
            elif keyword == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + value
            else:
                entry.msgstr[-1] += value
        else:
            raise AssertionError(f"line {number} is not valid .po syntax: {raw!r}")
    close_finished_entry()

    headers = [e for e in entries if e.msgid == "" and e.msgctxt is None]
    assert len(headers) == 1, "the catalogue must have exactly one header entry"
    header_fields = dict(
        (key.strip(), value.strip())
        for key, _, value in (
            row.partition(":") for row in headers[0].msgstr[0].splitlines() if row.strip()
        )
    )
    return header_fields, [e for e in entries if e is not headers[0]]


@pytest.fixture(scope="module")
def catalogue() -> tuple[dict[str, str], list[Entry]]:
    return parse_po(PO_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def entries(catalogue: tuple[dict[str, str], list[Entry]]) -> list[Entry]:
    return catalogue[1]


def placeholders(text: str) -> tuple[set[str], list[str]]:
    """Named placeholders (may repeat or move) and positional ones (count and order matter)."""
    found = PLACEHOLDER.findall(text)
    return {p for p in found if p.startswith("%(")}, [p for p in found if not p.startswith("%(")]


def test_catalogue_header_declares_hindi_utf8_and_two_plural_forms(
    catalogue: tuple[dict[str, str], list[Entry]],
) -> None:
    header, _ = catalogue
    assert header.get("Language") == "hi"
    assert header.get("Content-Type") == "text/plain; charset=UTF-8"
    assert header.get("Plural-Forms") == "nplurals=2; plural=(n != 1);"


def test_catalogue_has_entries_and_no_duplicates(entries: list[Entry]) -> None:
    keys = Counter((e.msgctxt, e.msgid) for e in entries)
    assert len(entries) > 100, "the Hindi catalogue looks truncated"
    assert [key for key, n in keys.items() if n > 1] == []


def test_every_hindi_entry_is_translated(entries: list[Entry]) -> None:
    untranslated = [
        e.label
        for e in entries
        if not e.msgstr
        or any(not form.strip() for form in e.msgstr)
        or (e.msgid_plural is not None and len(e.msgstr) != 2)
        or (e.msgid_plural is None and len(e.msgstr) != 1)
    ]
    assert untranslated == [], "untranslated Hindi entries:\n" + "\n".join(untranslated)


def test_no_hindi_entry_is_fuzzy(entries: list[Entry]) -> None:
    fuzzy = [e.label for e in entries if "fuzzy" in e.flags]
    assert fuzzy == [], "fuzzy Hindi entries (check them, then remove '#, fuzzy'):\n" + "\n".join(
        fuzzy
    )


def test_placeholders_survive_translation(entries: list[Entry]) -> None:
    broken = []
    for e in entries:
        if "python-format" not in e.flags:  # xgettext flags every string with a placeholder
            continue
        sources = [e.msgid] if e.msgid_plural is None else [e.msgid, e.msgid_plural]
        for index, translated in enumerate(e.msgstr):
            source = sources[min(index, len(sources) - 1)]
            expected, found = placeholders(source), placeholders(translated)
            if expected != found:
                broken.append(f"{e.label} form {index}: {expected} != {found}")
    assert broken == [], "placeholders changed in translation:\n" + "\n".join(broken)


def test_no_translation_adds_placeholders_its_english_lacks(entries: list[Entry]) -> None:
    # A stray "%(x)s" in a string Python never formats is shown to users as-is.
    added = [
        e.label
        for e in entries
        if "python-format" not in e.flags and any("%(" in form for form in e.msgstr)
    ]
    assert added == []


def test_compiled_catalogue_matches_the_po_file(entries: list[Entry]) -> None:
    """The committed .mo gives exactly the .po's translations, so it was compiled after the edit."""
    assert MO_FILE.exists(), "django.mo is missing: run compilemessages -l hi"
    with MO_FILE.open("rb") as handle:
        compiled = stdlib_gettext.GNUTranslations(handle)
    assert compiled.info().get("language") == "hi"
    stale = []
    for e in entries:
        if e.msgid_plural is None:
            got = [
                compiled.gettext(e.msgid)
                if e.msgctxt is None
                else compiled.pgettext(e.msgctxt, e.msgid)
            ]
        elif e.msgctxt is None:
            got = [compiled.ngettext(e.msgid, e.msgid_plural, n) for n in (1, 2)]
        else:
            got = [compiled.npgettext(e.msgctxt, e.msgid, e.msgid_plural, n) for n in (1, 2)]
        if got != e.msgstr:
            stale.append(f"{e.label}: .mo has {got!r}, .po has {e.msgstr!r}")
    assert stale == [], "django.mo is stale; run compilemessages -l hi:\n" + "\n".join(stale)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt) not installed")
def test_msgfmt_accepts_the_catalogue() -> None:
    result = subprocess.run(
        ["msgfmt", "--check", "--check-accelerators", "-o", "/dev/null", str(PO_FILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) not installed")
def test_catalogue_has_every_string_in_the_source(
    entries: list[Entry], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """makemessages on a copy of the source finds no message the committed catalogue lacks."""
    # Work on a copy: makemessages writes into every locale/ directory it walks past. Leaving out
    # the tests/ directories matches the documented --ignore "tests/*" --ignore "*/tests/*".
    source = tmp_path / "hims"
    shutil.copytree(
        HIMS_DIR, source, ignore=shutil.ignore_patterns("locale", "tests", "__pycache__", "*.pyc")
    )
    (source / "locale").mkdir()
    monkeypatch.chdir(source)
    with override_settings(LOCALE_PATHS=[source / "locale"]):
        call_command("makemessages", locale=["hi"], no_obsolete=True, verbosity=0)
    _, extracted = parse_po(
        (source / "locale" / "hi" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    )
    in_source = {(e.msgctxt, e.msgid, e.msgid_plural) for e in extracted}
    in_catalogue = {(e.msgctxt, e.msgid, e.msgid_plural) for e in entries}
    missing = sorted(in_source - in_catalogue, key=repr)
    obsolete = sorted(in_catalogue - in_source, key=repr)
    assert missing == [], "strings in the source missing from the Hindi catalogue:\n" + "\n".join(
        map(repr, missing)
    )
    assert obsolete == [], "Hindi entries no longer in the source:\n" + "\n".join(
        map(repr, obsolete)
    )


def test_django_serves_the_hindi_sign_in_button() -> None:
    with translation.override("hi"):
        assert translation.gettext("Sign in") == "साइन इन करें"


@pytest.mark.parametrize(("english", "hindi"), sorted(FIXED_WORDINGS.items()))
def test_fixed_hindi_wordings_are_kept(english: str, hindi: str) -> None:
    with translation.override("hi"):
        assert translation.gettext(english) == hindi


def test_hindi_plurals_follow_the_catalogue_plural_rule() -> None:
    with translation.override("hi"):
        one = translation.ngettext("%(counter)s facility", "%(counter)s facilities", 1)
        many = translation.ngettext("%(counter)s facility", "%(counter)s facilities", 5)
    assert one % {"counter": 1} == "1 स्वास्थ्य केंद्र"
    assert many % {"counter": 5} == "5 स्वास्थ्य केंद्र"


def test_conflict_error_tells_hindi_users_to_reload() -> None:
    with translation.override("hi"):
        text = translation.gettext("This conflicts with the current state; reload and try again.")
    assert "पुनः लोड" in text


def test_hindi_sign_in_sms_has_the_code_and_fits_one_unicode_sms() -> None:
    # Devanagari SMS are sent as UCS-2: one message holds 70 characters, longer ones are split
    # (and billed) in parts of 67. Cheap phones also reassemble parts unreliably.
    body = message_render(template="otp", context={"code": "482913", "minutes": 10}, language="hi")
    assert "कोड" in body
    assert "482913" in body
    assert len(body) <= 70, f"{len(body)} characters: {body}"
