"""The district dashboard's figures, read from the rollups (never from the event log).

Every function takes a `Scope` (a district, a date range and the filters) and returns plain
data: numbers, process codes and names, never a job, customer, price or workshop name. A figure
drawn from fewer than MIN_WORKSHOPS workshops is suppressed (None, with `suppressed` set), and
where a table shows a total, enough further cells are suppressed with it that the total minus
the cells shown never describes fewer than MIN_WORKSHOPS workshops. Definitions:
docs/DASHBOARD.md.

The number of queries is fixed: it does not grow with the workshops, jobs or days in range.

One module per concern; import from the module that defines a name:

- `scope`: `Scope`, sub-areas, size bands, process labels and colours, date helpers;
- `privacy`: `MIN_WORKSHOPS`, `shown`, `suppress` (the k >= 3 rule);
- `aggregates`: percentiles, lead times, percentages;
- `summary`, `weekly`, `processes`, `network`, `targets`: one per section of the page
  (`processes` also has the live counters);
- `dashboard`: `SECTIONS` and `district_dashboard`, every section at once;
- `comparison`: a workshop beside its district's median.
"""
