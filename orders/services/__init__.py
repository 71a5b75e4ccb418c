"""Every write about jobs, steps, orders and hand-offs: views, API and commands call these.

One module per concern; callers import a service from the module that defines it
(`from orders.services.progress import step_done`):

- `jobs`: jobs, parts and the step graph;
- `progress`: the step state machine (`TRANSITIONS`, `allows`) and hand-offs;
- `routing`: orders and sub-orders, their terms;
- `documents`: the order documents (発注書);
- `ratings`: ratings and their replies.
"""
