"""The GraphQL-over-HTTP request parameters, checked for shape before anything runs.

Both transports (JSON body, GET query string) end in the same
:class:`GraphQLRequest`; a parameter of the wrong type is a 400 with a message that
names it, as the GraphQL-over-HTTP spec describes for requests that are not
well-formed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from router.gateway.errors import RequestError

BAD_REQUEST = "BAD_REQUEST"


@dataclass(frozen=True)
class GraphQLRequest:
    query: str | None
    operation_name: str | None = None
    variables: Mapping[str, Any] = field(default_factory=dict)
    extensions: Mapping[str, Any] = field(default_factory=dict)


def _bad(message: str) -> RequestError:
    return RequestError.single(message, BAD_REQUEST, graphql_error=False)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _optional_map(payload: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = payload.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _bad(f"The '{name}' parameter must be a JSON object (map), got {_type_name(value)}.")
    return value


def request_from_json(payload: Any) -> GraphQLRequest:
    """A request from a decoded JSON body (one object of a batch, or the whole body)."""
    if not isinstance(payload, dict):
        raise _bad(f"The request body must be a JSON object, got {_type_name(payload)}.")
    query = payload.get("query")
    if query is not None and not isinstance(query, str):
        raise _bad(f"The 'query' parameter must be a string, got {_type_name(query)}.")
    operation_name = payload.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise _bad(f"The 'operationName' parameter must be a string, got {_type_name(operation_name)}.")
    return GraphQLRequest(
        query=query,
        operation_name=operation_name or None,
        variables=_optional_map(payload, "variables"),
        extensions=_optional_map(payload, "extensions"),
    )


def _json_param(params: Mapping[str, str], name: str) -> dict[str, Any]:
    raw = params.get(name)
    if raw is None or raw == "":
        return {}
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise _bad(f"The '{name}' query parameter must be a JSON-encoded object.") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _bad(f"The '{name}' query parameter must be a JSON-encoded object, got {_type_name(value)}.")
    return value


def request_from_params(params: Mapping[str, str]) -> GraphQLRequest:
    """A request from a GET query string (``variables``/``extensions`` JSON-encoded)."""
    return GraphQLRequest(
        query=params.get("query"),
        operation_name=params.get("operationName") or None,
        variables=_json_param(params, "variables"),
        extensions=_json_param(params, "extensions"),
    )
