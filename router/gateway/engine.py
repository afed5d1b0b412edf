"""The seam between the request pipeline and the federation core (planner + executor).

The pipeline only needs "plan this validated document" and "run this plan"; keeping
that behind a small protocol lets the HTTP layer be tested on its own and keeps the
core free of any HTTP or auth knowledge.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping
from typing import Any, Protocol

from graphql import DocumentNode, GraphQLSchema

from router.config import RouterConfig, subgraph_env_key
from router.gateway.authorization import AuthorizationRules


class Engine(Protocol):
    api_schema: GraphQLSchema
    authorization: AuthorizationRules

    def plan(
        self, cache_key: str, document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any]
    ) -> Any: ...

    async def execute(
        self,
        plan: Any,
        variables: Mapping[str, Any],
        *,
        headers: Mapping[str, str],
        shape_document: DocumentNode | None,
        operation_name: str | None,
        errors: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]: ...

    async def aclose(self) -> None: ...


def subgraph_url_overrides(config: RouterConfig, subgraph_names: list[str]) -> dict[str, str]:
    """``SUBGRAPH_URL_<NAME>`` settings matched to the supergraph's subgraph names."""
    by_key = {subgraph_env_key(name): name for name in subgraph_names}
    overrides: dict[str, str] = {}
    for key, url in config.subgraph_urls.items():
        name = by_key.get(key.upper()) or (key if key in subgraph_names else None)
        if name is None:
            raise ValueError(
                f"SUBGRAPH_URL_{key} names no subgraph of this supergraph (known: {', '.join(sorted(subgraph_names))})"
            )
        overrides[name] = url
    return overrides


def subgraph_timeouts(config: RouterConfig, subgraph_names: list[str]) -> dict[str, float]:
    by_key = {subgraph_env_key(name): name for name in subgraph_names}
    timeouts = {name: config.subgraph_timeout for name in subgraph_names}
    for key, seconds in config.subgraph_timeouts.items():
        name = by_key.get(key.upper()) or (key if key in subgraph_names else None)
        if name is None:
            raise ValueError(f"SUBGRAPH_TIMEOUT_{key} names no subgraph of this supergraph")
        timeouts[name] = seconds
    return timeouts


class FederatedEngine:
    """The router core: ``router.planning.QueryPlanner`` and ``router.execution.Executor``."""

    def __init__(self, supergraph: Any, config: RouterConfig) -> None:
        from router.execution import Executor
        from router.planning import QueryPlanner

        names = list(supergraph.subgraphs)
        overrides = subgraph_url_overrides(config, names)
        if overrides:
            supergraph = supergraph.with_subgraph_urls(overrides)
        self.supergraph = supergraph
        self.api_schema: GraphQLSchema = supergraph.api_schema
        self.authorization = AuthorizationRules.from_supergraph(supergraph, self.api_schema)
        self._planner = QueryPlanner(supergraph, cache_size=config.document_cache_size)
        self._executor = Executor(
            supergraph,
            {
                "timeout": config.subgraph_timeout,
                "subgraph_timeouts": subgraph_timeouts(config, names),
                "mask_subgraph_errors": config.mask_subgraph_errors,
                "dedupe_subgraph_requests": config.dedupe_subgraph_requests,
            },
        )
        self._shapes: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._shape_cache_size = config.document_cache_size
        self._config = config
        self._subscription_urls = subscription_urls(config, supergraph)  # checked at startup
        self._subscriptions: Any = None  # router.execution.subscriptions.SubscriptionExecutor, on first use

    def plan(
        self, cache_key: str, document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any]
    ) -> Any:
        return self._planner.plan_cached(cache_key, document, operation_name, variables)

    def _shape(self, document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any]) -> Any:
        """The client's response shape, cached like plans (it depends on @skip/@include values only)."""
        from router.planning.normalize import condition_variables

        conditions = tuple(bool(variables.get(name)) for name in condition_variables(document, operation_name))
        key = (id(document), operation_name, conditions)
        shape = self._shapes.get(key)
        if shape is None or shape[0] is not document:
            shape = (document, self._planner.shape(document, operation_name, variables))
            self._shapes[key] = shape
            if len(self._shapes) > self._shape_cache_size:
                self._shapes.popitem(last=False)
        return shape[1]

    async def execute(
        self,
        plan: Any,
        variables: Mapping[str, Any],
        *,
        headers: Mapping[str, str],
        shape_document: DocumentNode | None,
        operation_name: str | None,
        errors: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        shape = None if shape_document is None else self._shape(shape_document, operation_name, variables)
        return await self._executor.execute(plan, variables, headers=headers, shape_operation=shape, errors=errors)

    def subscribe(
        self,
        plan: Any,
        variables: Mapping[str, Any],
        *,
        headers: Mapping[str, str],
        shape_document: DocumentNode | None,
        operation_name: str | None,
        errors: list[dict[str, Any]] | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """One response per event of a planned subscription (see router.execution.subscriptions)."""
        from router.planning.subscriptions import subscription_plan

        if self._subscriptions is None:
            from router.execution.subscriptions import SubscriptionExecutor

            self._subscriptions = SubscriptionExecutor(
                self._executor,
                urls=self._subscription_urls,
                timeouts=subgraph_timeouts(self._config, list(self.supergraph.subgraphs)),
                default_timeout=self._config.subgraph_timeout,
                max_message_bytes=max(self._config.limits.max_body_bytes, 2**24),
                dedupe=self._config.dedupe_subscriptions,
            )
        shape = None if shape_document is None else self._shape(shape_document, operation_name, variables)
        return self._subscriptions.subscribe(
            subscription_plan(plan), variables, headers=headers, shape_operation=shape, errors=errors
        )

    async def aclose(self) -> None:
        if self._subscriptions is not None:
            await self._subscriptions.aclose()
        await self._executor.aclose()


def subscription_urls(config: RouterConfig, supergraph: Any) -> dict[str, str]:
    """Where each subgraph's subscriptions go: its URL (as ws), or ``SUBGRAPH_SUBSCRIPTION_URL_<NAME>``."""
    urls = {name: info.url for name, info in supergraph.subgraphs.items()}
    by_key = {subgraph_env_key(name): name for name in urls}
    for key, url in config.subscriptions.subgraph_urls.items():
        name = by_key.get(key.upper()) or (key if key in urls else None)
        if name is None:
            raise ValueError(f"SUBGRAPH_SUBSCRIPTION_URL_{key} names no subgraph of this supergraph")
        urls[name] = url
    return urls
