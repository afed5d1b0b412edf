"""Errors that stop a request before or instead of execution, in GraphQL format.

A :class:`RequestError` carries the HTTP status the spec asks for when the response
is ``application/graphql-response+json``; the server downgrades GraphQL request
errors to 200 for legacy ``application/json`` clients (see ``router.server.http``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graphql import GraphQLError


def error_dict(message: str, code: str, **extensions: Any) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": code, **extensions}}


class RequestError(Exception):
    """The request cannot be executed; ``errors`` is the GraphQL ``errors`` list to return.

    ``graphql_error`` marks errors of a well-formed GraphQL-over-HTTP request (parse,
    validation, variable coercion, limits): legacy ``application/json`` clients get
    them with status 200. Others (malformed body, bad method, bad token) keep their
    status whatever the media type.
    """

    def __init__(
        self,
        errors: list[dict[str, Any]],
        *,
        status: int = 400,
        graphql_error: bool = True,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(errors[0]["message"] if errors else "request error")
        self.errors = errors
        self.status = status
        self.graphql_error = graphql_error
        self.headers = dict(headers or {})

    @classmethod
    def single(
        cls,
        message: str,
        code: str,
        *,
        status: int = 400,
        graphql_error: bool = True,
        headers: Mapping[str, str] | None = None,
    ) -> "RequestError":
        return cls([error_dict(message, code)], status=status, graphql_error=graphql_error, headers=headers)

    @classmethod
    def from_graphql(cls, errors: Iterable[GraphQLError], code: str, *, status: int = 400) -> "RequestError":
        return cls([format_error(error, code) for error in errors], status=status)


def format_error(error: GraphQLError, default_code: str) -> dict[str, Any]:
    """graphql-core's formatted error plus an ``extensions.code`` clients can switch on."""
    formatted = dict(error.formatted)
    extensions = dict(formatted.get("extensions") or {})
    extensions.setdefault("code", default_code)
    formatted["extensions"] = extensions
    return formatted
