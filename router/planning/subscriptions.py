"""Subscription plans: one subgraph produces the events, the ordinary plan completes each one.

A subscription is planned exactly like a query (the planner treats its root type like
any other), which gives one root fetch with ``operation_kind == "subscription"`` to the
subgraph that resolves the root field, and entity fetches for everything that subgraph
cannot resolve itself. This module checks that shape and names its parts: ``source``
is sent once, over a subgraph WebSocket; every event that comes back is the answer of
``source`` and the remaining fetches run per event (Apollo's "primary"/"rest").
"""

from __future__ import annotations

from dataclasses import dataclass

from router.planning.errors import PlanningError
from router.planning.plan import FetchNode, QueryPlan


@dataclass(frozen=True, slots=True)
class SubscriptionPlan:
    plan: QueryPlan  # the whole plan, its ``source`` fetch included
    source: FetchNode


def subscription_plan(plan: QueryPlan) -> SubscriptionPlan:
    """Split a planned subscription into its event source and the fetches run per event."""
    if plan.operation_kind != "subscription":
        raise PlanningError(f"Expected a subscription plan, got a {plan.operation_kind}")
    if plan.local is not None:
        raise PlanningError("A subscription cannot select introspection fields at its root")
    roots = [fetch for fetch in plan.fetches if not fetch.is_entity]
    if len(roots) != 1 or roots[0].operation_kind != "subscription":
        subgraphs = ", ".join(sorted({fetch.subgraph for fetch in roots})) or "none"
        raise PlanningError(f"A subscription must start in exactly one subgraph (this one needs: {subgraphs})")
    return SubscriptionPlan(plan, roots[0])
