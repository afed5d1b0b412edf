"""``Executor``: run a query plan against the subgraphs and build the client response.

Fetches run as a dependency graph over pooled keep-alive connections (``http.py``): each
starts as soon as the fetches it reads from have finished. Per request the work is: build and
de-duplicate representations, one POST per fetch, merge in place, shape once at the end.
A subgraph that fails, times out or answers garbage costs only its own fields (null plus
an error); the request itself always completes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from http import HTTPStatus
from typing import Any

import httpx
import orjson
from graphql import ExecutionResult, GraphQLInterfaceType, GraphQLUnionType, parse

# graphql-core's plain `execute` refuses a schema declaring @defer, and the API schema does (for
# clients); local operations (introspection, root __typename) never defer, so this one gives a
# plain result for them.
from graphql import experimental_execute_incrementally as execute

from router.execution.http import HTTPClient, HTTPFailure, encode_headers
from router.execution.jsonio import dumps
from router.execution.merge import context_groups, deep_merge, object_paths, objects_at, representations
from router.execution.schedule import Schedule, schedule_for
from router.execution.shaping import Shaper
from router.planning.aliases import apply_renames
from router.planning.plan import EntityInputSpec, FetchNode, LocalNode, QueryPlan
from router.planning.shape import ShapeNode
from router.supergraph.model import Supergraph

log = logging.getLogger("router.execution")

REDACTED = "Subgraph errors redacted"
LOCAL_RESULTS_CACHED = 256  # distinct (introspection operation, variables) answers kept
_JSON_HEADERS = {"content-type": "application/json", "accept": "application/graphql-response+json, application/json"}
_HOP_BY_HOP = frozenset(
    {"host", "content-length", "content-type", "accept", "accept-encoding", "connection", "keep-alive",
     "transfer-encoding", "upgrade", "te", "trailer", "proxy-authorization", "proxy-authenticate"}
)


@dataclass
class ExecutorConfig:
    """Knobs for subgraph calls; ``subgraph_timeouts`` overrides ``timeout`` per subgraph name.

    ``http_client``: ``"native"`` (the lean pooled client in ``router.execution.http``) or
    ``"httpx"`` (``httpx.AsyncClient``, e.g. when subgraphs sit behind a proxy).
    """

    timeout: float = 30.0
    subgraph_timeouts: dict[str, float] = field(default_factory=dict)
    mask_subgraph_errors: bool = False
    max_connections: int = 512
    max_keepalive_connections: int = 128
    http_client: str = "native"
    dedupe_subgraph_requests: bool = True  # identical in-flight query fetches share one call
    batch_entity_fetches: bool = True  # identical entity fetches of one wave share one call (schedule.py)


class _FetchFailed(Exception):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@lru_cache(maxsize=512)
def _local_document(text: str) -> Any:
    return parse(text)


def _status_text(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


class Executor:
    def __init__(
        self,
        supergraph: Supergraph,
        http_client_options: Mapping[str, Any] | None = None,
        *,
        config: ExecutorConfig | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.supergraph = supergraph
        self.config = config or ExecutorConfig()
        options = dict(http_client_options or {})
        if "timeout" in options:
            self.config.timeout = float(options.pop("timeout"))
        for name in ("subgraph_timeouts", "mask_subgraph_errors", "http_client", "max_connections",
                     "dedupe_subgraph_requests", "batch_entity_fetches"):
            if name in options:
                setattr(self.config, name, options.pop(name))
        self._httpx_options = options
        self._httpx: httpx.AsyncClient | None = client
        self._owns_httpx = client is None
        self._native: HTTPClient | None = None
        if client is None and self.config.http_client == "native":
            self._native = HTTPClient(self.config.max_connections, self.config.max_keepalive_connections)
        self._urls = {name: info.url for name, info in supergraph.subgraphs.items()}
        self._inflight: dict[tuple[str, bytes, bytes], asyncio.Future[tuple[int, bytes]]] = {}
        self._local_results: dict[tuple[str, bytes], bytes] = {}
        self._abstract = frozenset(
            name
            for name, graphql_type in supergraph.schema.type_map.items()
            if isinstance(graphql_type, (GraphQLInterfaceType, GraphQLUnionType))
        )

    def _httpx_client(self) -> httpx.AsyncClient:
        if self._httpx is None:
            self._httpx = httpx.AsyncClient(
                limits=httpx.Limits(
                    max_connections=self.config.max_connections,
                    max_keepalive_connections=self.config.max_keepalive_connections,
                ),
                timeout=self.config.timeout,
                **self._httpx_options,
            )
        return self._httpx

    async def aclose(self) -> None:
        if self._native is not None:
            await self._native.aclose()
        if self._httpx is not None and self._owns_httpx:
            await self._httpx.aclose()
            self._httpx = None

    # --- the request ----------------------------------------------------------------------

    async def execute(
        self,
        plan: QueryPlan,
        variables: Mapping[str, Any] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        shape_operation: ShapeNode | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Run ``plan``; returns ``{"data": ..., "errors": [...]}`` (errors only when there are some).

        ``headers`` go to every subgraph fetch (hop-by-hop and body headers excepted).
        ``shape_operation`` (from ``QueryPlanner.shape``) shapes the answer instead of the
        planned operation, so fields the plan left out (e.g. unauthorized) come out null.
        ``errors`` raised before execution (e.g. "unauthorized" with the field's path) lead the
        error list and explain those nulls, so no second error is added for them.
        """
        run = _Run(self, plan, variables or {}, headers)
        if errors:
            run.errors.extend(errors)
        await run.go()
        shape = shape_operation or plan.shape
        known = {tuple(e["path"]) for e in run.errors if isinstance(e.get("path"), list)}
        shaper = Shaper(run.errors, known)
        data = shaper.root(shape, run.data)
        response: dict[str, Any] = {"data": data}
        if run.errors:
            response["errors"] = run.errors
        return response

    # --- one subgraph call ------------------------------------------------------------------

    async def post(self, fetch: FetchNode, variables: dict[str, Any], run: "_Run") -> dict[str, Any]:
        subgraph = fetch.subgraph
        timeout = self.config.subgraph_timeouts.get(subgraph, self.config.timeout)
        body = dumps({"query": fetch.operation, "variables": variables})
        if self.config.dedupe_subgraph_requests and fetch.operation_kind == "query":
            status, content = await self._shared_send(fetch, body, run, timeout)
        else:
            status, content = await self._send(fetch, body, run, timeout)
        try:
            payload = orjson.loads(content)
        except orjson.JSONDecodeError:
            payload = None
        if not isinstance(payload, dict) or ("data" not in payload and "errors" not in payload):
            raise _FetchFailed(
                f"HTTP fetch failed from '{subgraph}': {_status_text(status)}"
                if status >= 400
                else f"Invalid GraphQL response from subgraph '{subgraph}'",
                "SUBREQUEST_HTTP_ERROR",
            )
        return payload

    async def _shared_send(self, fetch: FetchNode, body: bytes, run: "_Run", timeout: float) -> tuple[int, bytes]:
        """Identical query requests in flight at the same time share one subgraph call.

        Identical means same subgraph, same body and same forwarded headers (credentials
        included), so a caller only ever shares an answer it would have got itself. Each
        caller decodes its own copy of the bytes: the response trees stay separate.
        """
        key = (fetch.subgraph, run.header_bytes(), body)
        shared = self._inflight.get(key)
        if shared is None:
            shared = asyncio.ensure_future(self._send(fetch, body, run, timeout))
            self._inflight[key] = shared
            shared.add_done_callback(lambda done: self._settled(key, done))
        # shielded: a caller that goes away does not cancel the call for the others
        return await asyncio.shield(shared)

    def _settled(self, key: tuple[str, bytes, bytes], done: asyncio.Future[tuple[int, bytes]]) -> None:
        self._inflight.pop(key, None)
        if not done.cancelled():
            done.exception()  # retrieved: the waiting callers report it, asyncio need not

    async def _send(self, fetch: FetchNode, body: bytes, run: "_Run", timeout: float) -> tuple[int, bytes]:
        subgraph = fetch.subgraph
        url = self._urls[subgraph]
        if self._native is not None:
            try:
                return await self._native.post(
                    url, run.header_bytes(), body, timeout, retry_stale=fetch.operation_kind == "query"
                )
            except HTTPFailure as failure:
                if failure.timeout:
                    raise _FetchFailed(
                        f"Request to subgraph '{subgraph}' timed out after {timeout:g}s", "SUBREQUEST_TIMEOUT"
                    ) from None
                raise _FetchFailed(f"HTTP fetch failed from '{subgraph}': {failure.message}", "SUBREQUEST_HTTP_ERROR") from None
        try:
            response = await self._httpx_client().post(url, content=body, headers=run.header_dict(), timeout=timeout)
        except httpx.TimeoutException:
            raise _FetchFailed(f"Request to subgraph '{subgraph}' timed out after {timeout:g}s", "SUBREQUEST_TIMEOUT") from None
        except httpx.HTTPError as error:
            raise _FetchFailed(f"HTTP fetch failed from '{subgraph}': {error.__class__.__name__}", "SUBREQUEST_HTTP_ERROR") from None
        return response.status_code, response.content

    def run_local(self, local: LocalNode, variables: Mapping[str, Any]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """Root ``__typename`` and introspection: a pure function of the schema and variables.

        So each distinct (operation, variables) is executed once and served from its JSON
        afterwards: executing even ``{ __typename }`` with graphql-core costs more than a
        whole subgraph round trip, and an IDE's introspection query far more.
        """
        used = {n: variables[n] for n in local.variable_names if n in variables}
        key = (local.operation, dumps(used) if used else b"")
        cached = self._local_results.get(key)
        if cached is None:
            result = execute(self.supergraph.api_schema, _local_document(local.operation), variable_values=used)
            assert isinstance(result, ExecutionResult), "local operations carry no @defer"
            cached = dumps([result.data, [e.formatted for e in result.errors or ()]])
            if len(self._local_results) >= LOCAL_RESULTS_CACHED:
                self._local_results.pop(next(iter(self._local_results)))
            self._local_results[key] = cached
        data, errors = orjson.loads(cached)  # a fresh copy: the response tree is built in place
        return data, errors


def _forwarded(headers: Mapping[str, str] | None) -> dict[str, str]:
    result = dict(_JSON_HEADERS)
    if headers:
        for name, value in headers.items():
            if name.lower() not in _HOP_BY_HOP:
                result[name] = value
    return result


_BASE_HEADER_BYTES = encode_headers(_JSON_HEADERS)


class _Waves:
    """Starts each call of a schedule as soon as the calls it reads from are done.

    Driven by done callbacks: nothing polls the running set (``asyncio.wait`` re-registers
    on every task each round). A class, not closures: closures that start each other and
    hold the request form a reference cycle, and the whole response tree then waits for
    the garbage collector instead of being freed when the request ends.
    """

    __slots__ = ("run", "loop", "batches", "dependents", "waiting", "running", "left", "all_done")

    def __init__(self, run: "_Run", schedule: Schedule, loop: asyncio.AbstractEventLoop) -> None:
        self.run = run
        self.loop = loop
        self.batches = schedule.batches
        self.dependents = schedule.dependents
        self.waiting = [len(b.depends_on) for b in schedule.batches]
        self.running: dict[asyncio.Task[None], int] = {}
        self.left = len(schedule.batches)
        self.all_done: asyncio.Future[None] = loop.create_future()
        for batch in schedule.batches:
            if not batch.depends_on:
                self.start(batch.id)

    def start(self, batch_id: int) -> None:
        batch = self.batches[batch_id]
        task = self.loop.create_task(self.run.fetch(batch.fetch, batch.paths, batch.inputs))
        self.running[task] = batch_id
        task.add_done_callback(self.finished)

    def finished(self, task: asyncio.Task[None]) -> None:
        batch_id = self.running.pop(task)
        self.left -= 1
        if self.all_done.done():
            return
        for dependent in self.dependents.get(batch_id, ()):
            self.waiting[dependent] -= 1
            if self.waiting[dependent] == 0:
                self.start(dependent)
        if self.left == 0 or not self.running:  # (nothing in flight: nothing more can start)
            self.all_done.set_result(None)

    def cancel(self) -> None:
        for task in list(self.running):
            task.cancel()


class _Run:
    """The state of one request: the merged tree, the errors, the fetches still to go."""

    def __init__(
        self, executor: Executor, plan: QueryPlan, variables: Mapping[str, Any], headers: Mapping[str, str] | None
    ) -> None:
        self.executor = executor
        self.plan = plan
        self.variables = variables
        self.headers = headers
        self._header_bytes: bytes | None = None
        self.data: dict[str, Any] | None = {}
        self.errors: list[dict[str, Any]] = []

    def header_bytes(self) -> bytes:
        """Forwarded headers encoded once per request, whatever the number of fetches."""
        if self._header_bytes is None:
            extra = {k: v for k, v in (self.headers or {}).items() if k.lower() not in _HOP_BY_HOP}
            self._header_bytes = _BASE_HEADER_BYTES + encode_headers(extra)
        return self._header_bytes

    def header_dict(self) -> dict[str, str]:
        return _forwarded(self.headers)

    async def go(self) -> None:
        plan = self.plan
        if plan.local is not None:
            data, errors = self.executor.run_local(plan.local, self.variables)
            if data:
                deep_merge(self.data, data, self.executor._abstract)  # type: ignore[arg-type]
            self.errors.extend(errors)
        fetches = plan.fetches
        if not fetches:
            return
        if len(fetches) == 1:
            await self.fetch(fetches[0])
            return
        schedule = schedule_for(plan, self.executor.config.batch_entity_fetches)
        waves = _Waves(self, schedule, asyncio.get_running_loop())
        try:
            await waves.all_done
        finally:
            waves.cancel()  # the request was cancelled (client gone): stop its fetches too

    async def fetch(
        self, fetch: FetchNode, paths: tuple[tuple[str, ...], ...] = (), inputs: dict[str, EntityInputSpec] | None = None
    ) -> None:
        """One subgraph call; an entity fetch collects its objects at every path of ``paths``."""
        try:
            if fetch.is_entity:
                await self.entity_fetch(fetch, paths if len(paths) > 1 else (), inputs)
            else:
                await self.root_fetch(fetch)
        except _FetchFailed as failure:
            self.errors.append(self.failure_error(fetch, failure))
        except Exception:  # a bug must not take the whole response down
            log.exception("fetch %s to %s failed", fetch.id, fetch.subgraph)
            self.errors.append(self.failure_error(fetch, _FetchFailed(f"Fetch from subgraph '{fetch.subgraph}' failed", "FETCH_ERROR")))

    def variables_for(self, fetch: FetchNode) -> dict[str, Any]:
        variables = self.variables
        return {name: variables[name] for name in fetch.variable_names if name in variables}

    async def root_fetch(self, fetch: FetchNode) -> None:
        payload = await self.executor.post(fetch, self.variables_for(fetch), self)
        data = payload.get("data")
        if fetch.renames is not None and data is not None:
            apply_renames(data, fetch.renames)
        if isinstance(data, dict) and self.data is not None:
            if self.data:
                deep_merge(self.data, data, self.executor._abstract)
            else:
                self.data = data  # the first answer becomes the tree: nothing to merge yet
        for error in payload.get("errors") or ():
            self.errors.append(self.subgraph_error(fetch, error, error.get("path") if isinstance(error, dict) else None))

    async def entity_fetch(
        self, fetch: FetchNode, paths: tuple[tuple[str, ...], ...] = (), inputs: dict[str, EntityInputSpec] | None = None
    ) -> None:
        if paths:  # identical fetches at several paths, sent as one (schedule.py)
            objects = [found for path in paths for found in objects_at(self.data, path)]
            if objects:
                await self.entity_call(fetch, objects, (), paths, inputs)
            return
        if fetch.contexts:
            groups = context_groups(self.data, fetch.path, fetch.contexts)
            if len(groups) == 1:
                ((values, objects),) = groups.items()
                await self.entity_call(fetch, objects, values)
            elif groups:
                await asyncio.gather(*(self.entity_call(fetch, objs, values) for values, objs in groups.items()))
            return
        objects = objects_at(self.data, fetch.path)
        if objects:
            # a batch of fetches at one path still sends every member's representations
            await self.entity_call(fetch, objects, (), (), inputs)

    async def entity_call(
        self,
        fetch: FetchNode,
        objects: list[dict[str, Any]],
        context_values: tuple[Any, ...],
        paths: tuple[tuple[str, ...], ...] = (),
        inputs: dict[str, EntityInputSpec] | None = None,
    ) -> None:
        """One ``_entities`` request for ``objects`` (all sharing the same @fromContext values)."""
        reps, sources = representations(objects, inputs or fetch.inputs)
        if not reps:
            return
        variables = self.variables_for(fetch)
        variables[fetch.representations_variable] = reps
        for context, value in zip(fetch.contexts, context_values):
            variables[context.name] = value
        payload = await self.executor.post(fetch, variables, self)
        data = payload.get("data")
        entities = data.get("_entities") if isinstance(data, dict) else None
        if fetch.renames is not None and entities is not None:
            apply_renames(entities, fetch.renames)
        abstract = self.executor._abstract
        if isinstance(entities, list):
            for entity, targets in zip(entities, sources):
                if type(entity) is dict:
                    for target in targets:
                        if target.keys().isdisjoint(entity):  # the usual case: only new fields
                            target.update(entity)
                        else:
                            deep_merge(target, entity, abstract)
        errors = payload.get("errors") or ()
        if errors:
            client_paths: dict[int, list[str | int]] = {}
            for path in paths or (fetch.path,):
                client_paths.update(object_paths(self.data, path))
            for error in errors:
                if not isinstance(error, dict):
                    continue
                for client_path in self.entity_error_paths(error.get("path"), sources, client_paths):
                    self.errors.append(self.subgraph_error(fetch, error, client_path))

    @staticmethod
    def entity_error_paths(
        path: Any, sources: list[list[dict[str, Any]]], paths: dict[int, list[str | int]]
    ) -> list[list[str | int] | None]:
        """Map ``["_entities", i, ...rest]`` onto the client path of every object behind ``i``."""
        if not isinstance(path, list) or len(path) < 2 or path[0] != "_entities" or not isinstance(path[1], int):
            return [None]
        index, rest = path[1], path[2:]
        if index >= len(sources):
            return [None]
        found = [paths[id(target)] + rest for target in sources[index] if id(target) in paths]
        return found or [None]  # type: ignore[return-value]

    def subgraph_error(self, fetch: FetchNode, error: Any, path: Any) -> dict[str, Any]:
        if not isinstance(error, dict):
            error = {"message": str(error)}
        if self.executor.config.mask_subgraph_errors:
            result: dict[str, Any] = {"message": REDACTED}
        else:
            result = {"message": str(error.get("message", "Unknown subgraph error"))}
        if isinstance(path, list) and path:
            result["path"] = path
        extensions = error.get("extensions")
        if not self.executor.config.mask_subgraph_errors and isinstance(extensions, dict):
            result["extensions"] = {**extensions, "serviceName": fetch.subgraph}
        else:
            result["extensions"] = {"serviceName": fetch.subgraph}
        return result

    def failure_error(self, fetch: FetchNode, failure: _FetchFailed) -> dict[str, Any]:
        message = REDACTED if self.executor.config.mask_subgraph_errors else failure.message
        return {"message": message, "extensions": {"code": failure.code, "serviceName": fetch.subgraph}}
