"""Tiny federated subgraphs for router tests: an SDL, some dict data, real HTTP.

A subgraph here is its federation SDL (fed 1 or fed 2) executed by graphql-core, with
``_entities``/``_service`` added the way federation libraries add them. Objects are plain
dicts carrying ``__typename``; ``references`` turn a representation into an object. Every
request is recorded, so tests can assert how the router talked to each subgraph.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import (
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_ast_schema,
    graphql,
    parse,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.support.servers import ThreadedServer, serve_app

FEDERATION_PREAMBLE = """
scalar _Any
scalar FieldSet
scalar federation__FieldSet
scalar link__Import
scalar federation__Scope
scalar federation__Policy
enum link__Purpose { SECURITY EXECUTION }
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA
directive @key(fields: String!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
directive @requires(fields: String!) on FIELD_DEFINITION
directive @provides(fields: String!) on FIELD_DEFINITION
directive @external(reason: String) on OBJECT | FIELD_DEFINITION
directive @shareable repeatable on OBJECT | FIELD_DEFINITION
directive @extends on OBJECT | INTERFACE
directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
directive @override(from: String!, label: String) on FIELD_DEFINITION
directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION | SCHEMA
directive @interfaceObject on OBJECT
directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @requiresScopes(scopes: [[federation__Scope!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @policy(policies: [[federation__Policy!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @composeDirective(name: String!) repeatable on SCHEMA
type _Service { sdl: String }
"""

Resolver = Callable[..., Any]
_SEQUENCE = itertools.count()  # global arrival order of requests, across subgraphs


def _entity_types(sdl: str) -> list[str]:
    """Object types carrying @key (or @interfaceObject), the members of ``_Entity``."""
    found = []
    # definitions start a line: "type" inside a field set string (a field named `type`) is not one
    for match in re.finditer(r"(?m)^\s*(?:extend\s+)?type\s+(\w+)([^{]*)\{", sdl):
        name, header = match.group(1), match.group(2)
        if "@key" in header or "@interfaceObject" in header:
            if name not in found:
                found.append(name)
    return found


@dataclass
class Subgraph:
    """One test subgraph: SDL, resolvers ``{Type: {field: fn(obj, info, **args)}}``, references."""

    name: str
    sdl: str
    resolvers: Mapping[str, Mapping[str, Resolver]] = field(default_factory=dict)
    references: Mapping[str, Callable[[dict[str, Any]], Any]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    delay: float = 0.0  # seconds to wait before answering (timeouts, concurrency)
    fail_with: int | None = None  # answer every request with this HTTP status

    def __post_init__(self) -> None:
        self.schema = self._build()

    def _build(self) -> GraphQLSchema:
        entities = _entity_types(self.sdl)
        extra = ""
        if entities:
            extra += f"union _Entity = {' | '.join(entities)}\n"
            extra += "extend type Query { _entities(representations: [_Any!]!): [_Entity]! _service: _Service! }\n"
        else:
            extra += "extend type Query { _service: _Service! }\n"
        if not re.search(r"(^|\n)\s*type\s+Query\b", self.sdl):
            extra = "type Query\n" + extra
        sdl = self.sdl
        for name in set(re.findall(r"extend\s+type\s+(\w+)", sdl)):
            if not re.search(rf"(^|\n)\s*type\s+{name}\b", sdl):
                # federation 1: an extension of a type owned by another subgraph
                sdl = re.sub(rf"extend\s+type\s+{name}\b", f"type {name}", sdl, count=1)
        schema = build_ast_schema(parse(FEDERATION_PREAMBLE + sdl + "\n" + extra), assume_valid_sdl=True)
        for graphql_type in schema.type_map.values():
            if isinstance(graphql_type, (GraphQLInterfaceType, GraphQLUnionType)):
                graphql_type.resolve_type = lambda obj, _info, _type: obj.get("__typename")  # type: ignore[assignment]
            if isinstance(graphql_type, GraphQLObjectType):
                for field_name, fn in self.resolvers.get(graphql_type.name, {}).items():
                    graphql_type.fields[field_name].resolve = fn
        query = schema.query_type
        assert query is not None
        if "_entities" in query.fields:
            query.fields["_entities"].resolve = self._resolve_entities
        query.fields["_service"].resolve = lambda *_: {"sdl": self.sdl}
        return schema

    def _resolve_entities(self, _root: Any, _info: Any, representations: list[dict[str, Any]]) -> list[Any]:
        results = []
        for representation in representations:
            typename = representation["__typename"]
            reference = self.references.get(typename)
            obj = reference(representation) if reference else dict(representation)
            if isinstance(obj, dict) and "__typename" not in obj:
                obj = {"__typename": typename, **obj}
            results.append(obj)
        return results

    def entity_calls(self) -> list[list[dict[str, Any]]]:
        """The representations of every ``_entities`` request received, in order."""
        return [
            r["variables"]["representations"]
            for r in self.requests
            if "_entities" in r["query"] and "representations" in (r.get("variables") or {})
        ]

    def app(self) -> Starlette:
        async def endpoint(request: Request) -> Response:
            body = orjson.loads(await request.body())
            self.requests.append({**body, "headers": dict(request.headers), "seq": next(_SEQUENCE)})
            if self.delay:
                await asyncio.sleep(self.delay)
            if self.fail_with is not None:
                return Response(b"upstream broke", status_code=self.fail_with)
            result = await graphql(
                self.schema,
                body["query"],
                variable_values=body.get("variables"),
                operation_name=body.get("operationName"),
            )
            payload: dict[str, Any] = {"data": result.data}
            if result.errors:
                payload["errors"] = [e.formatted for e in result.errors]
            return Response(orjson.dumps(payload), media_type="application/json")

        return Starlette(routes=[Route("/graphql", endpoint, methods=["POST"])])


@contextmanager
def serve_subgraphs(*subgraphs: Subgraph) -> Iterator[dict[str, str]]:
    """Serve each subgraph over real HTTP; yields ``{name: url}``."""
    with ExitStack() as stack:
        urls: dict[str, str] = {}
        for subgraph in subgraphs:
            server: ThreadedServer = stack.enter_context(serve_app(subgraph.app()))
            urls[subgraph.name] = server.url + "/graphql"
        yield urls
