"""Japanese first: every string is translated, and the committed .mo matches the .po."""

from __future__ import annotations

import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "ja" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def test_every_japanese_entry_is_translated_and_not_fuzzy():
    catalogue = polib.pofile(str(PO))
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []
    assert len(catalogue.translated_entries()) > 100


def test_the_committed_mo_matches_the_po():
    catalogue = polib.pofile(str(PO))
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in catalogue.translated_entries():
        if entry.msgid_plural:
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr_plural[0]
        elif entry.msgctxt:
            assert compiled.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr, entry.msgid


def test_placeholders_survive_translation():
    import re

    pattern = re.compile(r"%\(\w+\)[sd]")
    for entry in polib.pofile(str(PO)).translated_entries():
        translated = entry.msgstr or entry.msgstr_plural.get(0, "")
        assert sorted(pattern.findall(entry.msgid)) == sorted(pattern.findall(translated)), (
            entry.msgid
        )


@pytest.mark.skipif(
    not shutil.which("xgettext") and not os.environ.get("CI"),
    reason="gettext (xgettext) not installed: cannot re-extract strings",
)
def test_no_string_in_the_code_is_missing_from_the_catalogue(tmp_path):
    """Re-extract the strings from a copy of the tree: nothing new may appear untranslated."""
    apps = sorted(p.parent.name for p in ROOT.glob("*/apps.py"))
    for name in ("shopnet", *apps, "templates", "locale", "manage.py"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy(source, tmp_path / name)
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "shopnet.settings"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ja", "--no-obsolete"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,  # the return code is asserted below, with the output
    )
    assert result.returncode == 0, result.stderr
    extracted = polib.pofile(str(tmp_path / "locale" / "ja" / "LC_MESSAGES" / "django.po"))
    missing = [e.msgid for e in extracted if not e.obsolete and not e.translated()]
    assert missing == [], f"run `make messages` and translate: {missing}"


@pytest.mark.django_db
def test_pages_are_japanese_by_default_whatever_the_browser_says(owner):
    client = Client()
    client.force_login(owner)
    response = client.get("/workshops/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert '<html lang="ja">' in html
    assert "工場を探す" in html
    assert response["Content-Language"] == "ja"


@pytest.mark.django_db
def test_the_switch_makes_pages_english(owner):
    client = Client()
    client.force_login(owner)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/workshops/"})
    assert response.status_code == 302
    html = client.get("/workshops/").content.decode()
    assert '<html lang="en">' in html
    assert "Find workshops" in html
    client.post("/i18n/setlang/", {"language": "ja", "next": "/"})
    assert '<html lang="ja">' in client.get("/workshops/").content.decode()


@pytest.mark.django_db
def test_api_errors_are_in_the_users_language(owner):
    client = Client()
    client.force_login(owner)
    body = client.get("/api/v1/workshops/?size=abc").json()
    messages = [body["detail"], *body["fields"]["size"]]
    assert body["fields"]["size"] and all(
        any("\u3040" <= ch <= "\u30ff" for ch in message) for message in messages
    ), body


# Words whose Japanese depends on what they qualify: "From" is 出荷元 on a hand-off, 開始日 on
# a date range and 差出人 on a message; "Open" is 受付中 for a posting and 未着手 for a job.
# English lets one short msgid serve all of them; Japanese cannot, so the screen that uses
# one must say which it means with a msgctxt (pgettext / {% translate … context … %}).
CONTEXT_DEPENDENT = {
    "from",
    "to",
    "by",
    "since",
    "until",
    "before",
    "after",
    "open",
    "due",
    "start",
    "end",
}


def _app_of(path: str) -> str:
    """The app a `#:` reference belongs to: templates/<app>/… count as <app>."""
    parts = path.split("/")
    if parts[0] == "templates":
        return parts[1] if len(parts) > 2 else "shopnet"
    return parts[0]


def test_a_context_dependent_word_used_by_two_apps_has_a_msgctxt():
    """The rule: a msgid that is one of CONTEXT_DEPENDENT (trailing colon ignored, any case)
    and is referenced from two or more apps must carry a msgctxt. Two apps are two screens
    that were written without each other in mind; within one app the same word usually means
    the same thing (a floor card's and a job page's 「開始」 button are one action). The
    dashboard's date range once shared "From"/"To" with the job page's hand-offs and read
    出荷元/出荷先."""
    shared = []
    for entry in polib.pofile(str(PO)):
        if entry.obsolete or entry.msgctxt:
            continue
        word = entry.msgid.strip().rstrip(":").lower()
        apps = {_app_of(path) for path, _line in entry.occurrences}
        if word in CONTEXT_DEPENDENT and len(apps) > 1:
            shared.append((entry.msgid, sorted(apps)))
    assert shared == []


def test_the_dashboard_date_range_reads_start_and_end_dates():
    catalogue = {(e.msgctxt, e.msgid): e.msgstr for e in polib.pofile(str(PO))}
    assert catalogue[("date range", "From")] == "開始日"
    assert catalogue[("date range", "To")] == "終了日"
    assert catalogue[("shipment", "From")] == "出荷元"


@pytest.mark.parametrize(
    ("avoid", "use", "except_when"),
    [
        ("サインイン", "ログイン", None),
        # The hub: 元請け throughout, never the bare 元請.
        ("元請(?!け)", "元請け", None),
        # The association's area is 地域; 地区 is only the postal sub-area.
        ("地区", "地域", r"(?i)area|postal"),
        # Plating, assembly and inspection are not 加工法.
        ("加工法", "加工・処理", None),
    ],
)
def test_one_word_per_concept_in_japanese(avoid, use, except_when):
    import re

    found = [
        (e.msgid, e.msgstr)
        for e in polib.pofile(str(PO))
        if not e.obsolete
        and re.search(avoid, e.msgstr or "")
        and not (except_when and re.search(except_when, e.msgid))
    ]
    assert found == [], f"say {use}"
