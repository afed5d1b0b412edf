"""A minimal GraphQL-over-HTTP client for the examples: one POST per operation, a bearer
token once logged in, and failures turned into exceptions that carry a readable line."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

import httpx


class Unreachable(Exception):
    """Nothing answers at the URL (connection refused, timeout, not a GraphQL endpoint)."""


class GraphQLFailure(Exception):
    """The server answered with errors; the message lists them with their codes."""


class GraphQLClient:
    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.url = url
        self.token: str | None = None
        self._http = httpx.Client(timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GraphQLClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def execute(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The ``data`` of an operation that must succeed."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            response = self._http.post(self.url, json={"query": query, "variables": dict(variables or {})}, headers=headers)
        except httpx.HTTPError as exc:
            raise Unreachable(f"{self.url} does not answer ({type(exc).__name__}: {exc})") from None
        try:
            body = response.json()
        except ValueError:
            raise Unreachable(f"{self.url} answered HTTP {response.status_code} without a GraphQL response") from None
        if not isinstance(body, dict):
            raise Unreachable(f"{self.url} answered something that is not a GraphQL response")
        if body.get("errors"):
            raise GraphQLFailure("; ".join(_describe(error) for error in body["errors"]))
        if body.get("data") is None:
            raise GraphQLFailure(f"HTTP {response.status_code} without data")
        return body["data"]  # type: ignore[no-any-return]


def _describe(error: Mapping[str, Any]) -> str:
    code = (error.get("extensions") or {}).get("code")
    return f"{error.get('message')} ({code})" if code else str(error.get("message"))


def health_url(graphql_url: str) -> str:
    """A service's /health next to its GraphQL endpoint."""
    return urljoin(graphql_url, "/health")


def get_json(url: str, timeout: float = 5.0) -> Any:
    """GET a JSON document, or None if nothing usable answers."""
    try:
        response = httpx.get(url, timeout=timeout)
        return response.json()
    except (httpx.HTTPError, ValueError):
        return None


def job_interval(health: Any, job: str) -> float | None:
    """How often a service runs ``job``, from its /health report's ``jobs``; None when the
    report (an older service, or none at all) does not say."""
    try:
        return float(health["jobs"][job]["interval_seconds"])
    except (KeyError, TypeError, ValueError):
        return None
