"""Planning stage: a validated operation into a cached, executable query plan."""

from router.planning.errors import PlanningError
from router.planning.plan import FetchNode, LocalNode, QueryPlan
from router.planning.planner import QueryPlanner

__all__ = ["FetchNode", "LocalNode", "PlanningError", "QueryPlan", "QueryPlanner"]
