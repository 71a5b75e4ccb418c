"""The date formats of each language, in one place (settings.FORMAT_MODULE_PATH).

Each language has two ways to write a day and a page uses no other:
- the *long* form, the whole date (2026年12月7日 / 7 Dec 2026), for any date a person acts on
  (due dates, answer-by, documents); Django's DATE_FORMAT and SHORT_DATE_FORMAT are both it,
  and a date or datetime with a time appends the time to that same text;
- the *short* form, month and day (12月7日 / 7 Dec), only where the year is plain from the
  place (a chart's axis, a week's row); Django's MONTH_DAY_FORMAT.

So a template that asks for any of Django's names, or prints a date with no filter, gets one of
the two; `core.dates` and the `dates` template filters (`day`, `short_day`, `moment`, `month`)
apply them to ISO strings from cached figures and to text built in Python. Dates in form inputs
(`<input type="date">`) and `<time datetime>` stay ISO: they are values, not words.
"""
