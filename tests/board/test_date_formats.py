"""Dates read one way per language on a page (shopnet/formats/): the long form 2026年12月7日 /
7 Dec 2026 (with a time after it when there is one), or the short form 12月7日 / 7 Dec where
the year is plain. No ISO dates, slashes or Django's "Dec. 7, 2026" in the words a person reads.

Lives with the board's tests because it needs the whole chain: a job with orders, a posting
with an offer, the floor, the inbox."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from core import dates
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
# Anything that looks like a date, in any of the ways a page used to write one.
DATE_LIKE = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}"
    r"|\d{4}/\d{1,2}/\d{1,2}"
    r"|\b\d{1,2}/\d{1,2}\s+\d{1,2}:\d{2}"
    r"|(?:\d{4}年)?\d{1,2}月\d{1,2}日"
    rf"|\b(?:{MONTHS})\.? \d{{1,2}}(?!\d)(?:, \d{{4}})?"
    rf"|\b\d{{1,2}} (?:{MONTHS})(?: \d{{4}})?"
)
ALLOWED = {
    "ja": re.compile(r"\d{4}年\d{1,2}月\d{1,2}日|\d{1,2}月\d{1,2}日"),
    "en": re.compile(rf"\d{{1,2}} (?:{MONTHS}) \d{{4}}|\d{{1,2}} (?:{MONTHS})"),
}


class _Text(HTMLParser):
    """The words of a page: text outside <script>/<style>, plus the titles and labels a
    person reads (input values and <time datetime> are values, not words)."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1
        for name, value in attrs:
            if name in ("title", "aria-label", "placeholder") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def words(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


def dates_on(html: str) -> list[str]:
    return [m.group(0) for m in DATE_LIKE.finditer(words(html))]


def assert_one_format(html: str, language: str) -> list[str]:
    found = dates_on(html)
    wrong = [d for d in found if not ALLOWED[language].fullmatch(d)]
    assert not wrong, f"dates not in the {language} format: {wrong}"
    return found


def get(user, url: str, language: str) -> str:
    client = client_for(user)
    client.cookies["shopnet_language"] = language
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_page_writes_dates_one_way(chain, scene, language):
    pages = [
        (chain.hub_owner, reverse("job_detail", args=[scene["job"].uuid])),
        (chain.hub_owner, reverse("order_detail", args=[scene["order"].uuid])),
        (chain.hub_owner, reverse("posting_detail", args=[scene["posting"].uuid])),
        (chain.hub_owner, reverse("board")),
        (chain.hub_owner, reverse("job_list")),
        (chain.hub_owner, reverse("order_list")),
        (chain.hub_owner, reverse("inbox")),
        (chain.hub_owner, reverse("todo_home")),
        (chain.turner_floor, reverse("floor")),
    ]
    seen = []
    for user, url in pages:
        seen += assert_one_format(get(user, url, language), language)
    # The pages do show dates (the check above is not vacuous), in this language's long form.
    with translation.override(language):
        due = dates.day(scene["job"].due_date)
    assert due in seen
    assert len(seen) > 10


def test_the_formats_are_the_ones_the_languages_read(chain):
    day = dt.date(2026, 12, 7)
    at = timezone.make_aware(dt.datetime(2026, 12, 7, 9, 5))
    with translation.override("ja"):
        assert (dates.day(day), dates.short_day(day), dates.moment(at)) == (
            "2026年12月7日",
            "12月7日",
            "2026年12月7日 9:05",
        )
        assert dates.day("2026-12-07") == "2026年12月7日"
        assert dates.month("2026-03") == "2026年3月"
    with translation.override("en"):
        assert (dates.day(day), dates.short_day(day), dates.moment(at)) == (
            "7 Dec 2026",
            "7 Dec",
            "7 Dec 2026, 09:05",
        )


def test_the_checker_catches_a_mixed_page():
    mixed = "<p>2026年12月7日</p><p>2026-12-07</p><p>Dec. 7, 2026</p><input value='2026-12-07'>"
    assert dates_on(mixed) == ["2026年12月7日", "2026-12-07", "Dec. 7, 2026"]
    with pytest.raises(AssertionError):
        assert_one_format(mixed, "ja")
