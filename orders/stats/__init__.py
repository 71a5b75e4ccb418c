"""District statistics: rollups kept by the services, the metrics read from them, filters, CSV.

Aggregates only. Nothing in this package reads or returns a job's title, drawing, customer or an
order's price; a figure that would describe fewer than `metrics.MIN_WORKSHOPS` workshops is
suppressed. See docs/DASHBOARD.md for the definitions.
"""
