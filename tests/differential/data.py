"""Deterministic subgraph servers for random graphs: every answer derives from identities.

Every object has an integer identity ``n``; ``n % len(object_types)`` names its concrete
type, so a subgraph that only sees a key (an ``@interfaceObject`` subgraph, or the
subgraph of an entity interface resolving ``{__typename: "Node", id}``) still agrees
with every other subgraph on what the object is. Key fields encode ``n`` (``id`` is
``str(n)``, ``kx`` is ``"kx:n"``...), so a representation leads back to the object.
Any other field's value is a hash of ``(n, field name, arguments, required values)``:
the same in every subgraph that resolves it, which is what @shareable promises.

Some answers are wrong on purpose, to catch a router asking the wrong subgraph: an
@external field that was neither provided nor a key, a field taken over by
@override, a representation lacking a key or a required field, or naming the wrong
type all fail with an error. Some fields fail or are null deterministically, so
null propagation and error paths get exercised.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    execute,
    parse,
    validate,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.differential.graphs import GraphSpec, SubgraphSpec, key_fields
from tests.router_core.subgraph_kit import Subgraph
from tests.support.servers import ThreadedServer

KEY_NAMES = {"id", "kx", "kn", "kc", "ki"}
SPREAD = 37  # distinct identities per (parent, field): small, so duplicates happen


def digest(*parts: Any) -> int:
    return int.from_bytes(hashlib.blake2b(repr(parts).encode(), digest_size=8).digest(), "big")


def _integral(value: Any) -> Any:
    """JSON numbers as JavaScript sees them: 2.0 and 2 are the same number."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_integral(v) for v in value]
    if isinstance(value, tuple):
        return [_integral(v) for v in value]
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    return value


def _canonical(value: Any) -> Any:
    return orjson.dumps(_integral(value), option=orjson.OPT_SORT_KEYS).decode() if value else ""


def _fieldset_tree(fieldset: str) -> list[tuple[str, list[Any]]]:
    """``a b(x: 1) c { d }`` as ``[(a, []), (b, []), (c, [(d, [])])]``; arguments are dropped
    because representations carry a required field under its name."""
    document = parse("{" + fieldset + "}")
    selection_set = document.definitions[0].selection_set  # type: ignore[attr-defined]

    def walk(node: Any) -> list[tuple[str, list[Any]]]:
        out = []
        for selection in node.selections:
            assert isinstance(selection, FieldNode)
            out.append((selection.name.value, walk(selection.selection_set) if selection.selection_set else []))
        return out

    return walk(selection_set)


def _extract(value: Any, tree: list[tuple[str, list[Any]]], where: str) -> Any:
    if value is None:
        return None
    if isinstance(value, list):
        return [_extract(v, tree, where) for v in value]
    out = []
    for name, sub in tree:
        if not isinstance(value, dict) or name not in value:
            raise GraphQLError(f"representation lacks required field {where}.{name}")
        out.append((name, _extract(value[name], sub, where + "." + name) if sub else value[name]))
    return out


class SubgraphData:
    """One subgraph of a random graph: a graphql-core schema whose resolvers follow the rules."""

    def __init__(self, graph: GraphSpec, spec: SubgraphSpec) -> None:
        self.graph = graph
        self.spec = spec
        self.kinds = len(graph.object_types)
        self.index = {name: i for i, name in enumerate(graph.object_types)}
        kit = Subgraph(spec.name, graph.sdl(spec))
        self.schema: GraphQLSchema = kit.schema
        query = self.schema.query_type
        assert query is not None
        if "_entities" in query.fields:
            query.fields["_entities"].resolve = self._entities
        self._plans: dict[tuple[str, str], Callable[[Any, dict[str, Any]], Any]] = {}
        self._documents: dict[str, DocumentNode | list[GraphQLError]] = {}

    # ---- identities ----------------------------------------------------------------

    def concrete(self, n: int) -> str:
        return self.graph.object_types[n % self.kinds]

    def child_id(self, seed: int, type_name: str) -> int:
        return (seed % SPREAD) * self.kinds + self.index[type_name]

    def identity(self, representation: dict[str, Any]) -> int:
        found = set()
        if "id" in representation:
            found.add(int(representation["id"]))
        if "kx" in representation:
            found.add(int(str(representation["kx"]).split(":", 1)[1]))
        nested = representation.get("kn")
        if isinstance(nested, dict):
            if "kc" in nested:
                found.add(int(str(nested["kc"]).split(":", 1)[1]))
            if "ki" in nested:
                found.add(int(nested["ki"]))
        if len(found) != 1:
            raise GraphQLError(f"representation has no consistent key: {representation}")
        return found.pop()

    # ---- _entities -----------------------------------------------------------------

    def _entities(self, _root: Any, _info: Any, representations: list[dict[str, Any]]) -> list[Any]:
        out: list[Any] = []
        for representation in representations:
            try:
                out.append(self._reference(representation))
            except (GraphQLError, KeyError, ValueError, TypeError, IndexError) as error:
                out.append(error if isinstance(error, GraphQLError) else GraphQLError(f"bad representation: {error!r}"))
        return out

    def _reference(self, representation: dict[str, Any]) -> dict[str, Any]:
        typename = representation["__typename"]
        spec = self.spec.types.get(typename)
        if spec is None or not spec.keys:
            raise GraphQLError(f"{self.spec.name} cannot resolve {typename} entities")
        present = set(representation)
        if not any(set(key_fields(fieldset)) <= present for fieldset, resolvable in spec.keys if resolvable or self.spec.fed1):
            raise GraphQLError(f"representation of {typename} lacks a key of {self.spec.name}: {sorted(present)}")
        n = self.identity(representation)
        concrete = self.concrete(n)
        graphql_type = self.schema.type_map.get(typename)
        if isinstance(graphql_type, GraphQLInterfaceType):
            if concrete not in {t.name for t in self.schema.get_possible_types(graphql_type)}:
                raise GraphQLError(f"{concrete} is not a known {typename} in {self.spec.name}")
            typename = concrete
        elif not spec.interface_object and concrete != typename:
            raise GraphQLError(f"identity {n} is a {concrete}, not a {typename}")
        return {"__typename": typename, "__id": n, "__rep": representation}

    # ---- fields --------------------------------------------------------------------

    def resolve(self, source: Any, info: Any, **args: Any) -> Any:
        key = (info.parent_type.name, info.field_name)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._plan(info.parent_type, info.field_name)
        return plan(source, args)

    def _plan(self, parent: GraphQLObjectType, name: str) -> Callable[[Any, dict[str, Any]], Any]:
        if parent.name in ("Query", "Mutation"):
            spec = (self.spec.query if parent.name == "Query" else self.spec.mutation).get(name)
        else:
            type_spec = self.spec.types.get(parent.name)
            spec = type_spec.fields.get(name) if type_spec else None
        field_type = parent.fields[name].type
        errors = self.graph.errors and name not in self.graph.required_names
        if name in KEY_NAMES:
            return lambda source, args: self._key_value(name, field_type, source["__id"])
        if spec is None:
            return lambda source, args: None
        if spec.overridden or spec.inactive:
            def overridden(_source: Any, _args: dict[str, Any]) -> Any:
                raise GraphQLError(f"{parent.name}.{name} was overridden; {self.spec.name} must not be asked")
            return overridden
        requires = _fieldset_tree(spec.requires) if spec.requires else None
        provided = frozenset(key_fields(spec.provides)) if spec.provides else frozenset()
        external = spec.external
        where = f"{parent.name}.{name}"

        def plan(source: Any, args: dict[str, Any]) -> Any:
            n = source["__id"] if source else 0
            if external and name not in (source or {}).get("__provided", ()):
                raise GraphQLError(f"{where} is external in {self.spec.name} and was not provided")
            required = None
            if requires is not None:
                representation = source.get("__rep") if source else None
                if representation is None:
                    raise GraphQLError(f"{where} needs its @requires fields in a representation")
                required = _extract(representation, requires, parent.name)
            seed = digest(n, name, _canonical(args), _canonical(required))
            if errors and seed % 19 == 3:
                raise GraphQLError(f"{where} failed for {n}")
            if not isinstance(field_type, GraphQLNonNull) and (seed >> 8) % 7 == 0:
                return None
            return self._value(field_type, seed, provided)

        return plan

    def _key_value(self, name: str, field_type: Any, n: int) -> Any:
        if name == "id":
            return str(n)
        if name in ("kx", "kc"):
            return f"{name}:{n}"
        if name == "ki":
            return n
        named = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
        return {"__typename": named.name, "__id": n}

    def _value(self, graphql_type: Any, seed: int, provided: frozenset[str]) -> Any:
        if isinstance(graphql_type, GraphQLNonNull):
            return self._value(graphql_type.of_type, seed, provided)
        if isinstance(graphql_type, GraphQLList):
            item_type = graphql_type.of_type
            items = []
            for i in range((seed >> 4) % 4):
                item_seed = digest(seed, i)
                if not isinstance(item_type, GraphQLNonNull) and item_seed % 6 == 0:
                    items.append(None)
                else:
                    items.append(self._value(item_type, item_seed, provided))
            return items
        if isinstance(graphql_type, GraphQLScalarType):
            name = graphql_type.name
            if name == "Int":
                return seed % 1000
            if name == "Float":
                return (seed % 100000) / 100
            if name == "Boolean":
                return bool(seed & 1)
            if name == "ID":
                return f"i{seed % 9973}"
            if name == "Json":
                return [seed % 7, {"k": f"v{seed % 5}", "q": 'say "hi"\\', "n": None}, [True, 1.5]][seed % 3]
            return f"s{seed % 9973}"
        if isinstance(graphql_type, GraphQLEnumType):
            values = sorted(graphql_type.values)
            return values[seed % len(values)]
        if isinstance(graphql_type, GraphQLObjectType):
            type_spec = self.spec.types.get(graphql_type.name)
            if type_spec is not None and type_spec.interface_object:
                candidates = self.graph.implementers.get(graphql_type.name, [])
                if not candidates:
                    return None
                concrete = candidates[seed % len(candidates)]
                return {"__typename": graphql_type.name, "__id": self.child_id(seed >> 3, concrete)}
            return {"__typename": graphql_type.name, "__id": self.child_id(seed >> 3, graphql_type.name),
                    "__provided": provided}
        if isinstance(graphql_type, (GraphQLInterfaceType, GraphQLUnionType)):
            candidates = sorted(t.name for t in self.schema.get_possible_types(graphql_type))
            if not candidates:
                return None
            concrete = candidates[seed % len(candidates)]
            return {"__typename": concrete, "__id": self.child_id(seed >> 3, concrete), "__provided": provided}
        raise TypeError(graphql_type)

    # ---- requests ------------------------------------------------------------------

    def execute(self, body: dict[str, Any]) -> dict[str, Any]:
        text = body.get("query") or ""
        document = self._documents.get(text)
        if document is None:
            try:
                parsed = parse(text)
            except GraphQLError as error:
                return {"errors": [error.formatted]}
            problems = validate(self.schema, parsed)
            document = self._documents[text] = problems or parsed
        if isinstance(document, list):
            return {"errors": [e.formatted for e in document]}
        result = execute(
            self.schema,
            document,
            variable_values=body.get("variables"),
            operation_name=body.get("operationName"),
            field_resolver=self.resolve,
        )
        payload: dict[str, Any] = {"data": result.data}  # type: ignore[union-attr]
        if result.errors:  # type: ignore[union-attr]
            payload["errors"] = [e.formatted for e in result.errors]  # type: ignore[union-attr]
        return payload


class SubgraphHost:
    """One HTTP server for every subgraph of every graph: ``/{graph}/{subgraph}``."""

    def __init__(self) -> None:
        self.subgraphs: dict[str, SubgraphData] = {}
        self.requests = 0
        self.log: list[tuple[str, dict[str, Any], dict[str, Any]]] | None = None  # set to a list to record

        async def endpoint(request: Request) -> Response:
            data = self.subgraphs.get(request.path_params["graph"] + "/" + request.path_params["subgraph"])
            if data is None:
                return Response(b"no such subgraph", status_code=404)
            self.requests += 1
            body = orjson.loads(await request.body())
            answer = data.execute(body)
            if self.log is not None:
                self.log.append((data.spec.name, body, answer))
            return Response(orjson.dumps(answer), media_type="application/json")

        app = Starlette(routes=[Route("/{graph}/{subgraph}", endpoint, methods=["POST"])])
        self.server = ThreadedServer(app).start()

    def add(self, graph_id: str, graph: GraphSpec) -> dict[str, str]:
        """Serve every subgraph of ``graph``; returns ``{subgraph name: url}``."""
        urls = {}
        for spec in graph.subgraphs:
            self.subgraphs[f"{graph_id}/{spec.name}"] = SubgraphData(graph, spec)
            urls[spec.name] = f"{self.server.url}/{graph_id}/{spec.name}"
        return urls

    def remove(self, graph_id: str) -> None:
        for key in [k for k in self.subgraphs if k.startswith(graph_id + "/")]:
            del self.subgraphs[key]

    def close(self) -> None:
        self.server.stop()
