"""The server over the real core: Strawberry subgraphs on real HTTP, composed by @apollo/composition."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from router.config import AuthSettings, RouterConfig
from router.server.app import create_app
from tests.router_server.conftest import SECRET, make_token
from tests.router_server.subgraphs import RecordingGraphQL, apps, compose_with_apollo
from tests.router_server.test_graphql_http_audit import run_audit
from tests.support.servers import ServiceProcess, serve_app

FIXTURE = Path(__file__).with_name("fixtures") / "supergraph.graphql"
GRJ = "application/graphql-response+json"
UNAUTHORIZED = {"message": "Unauthorized field or type", "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"}}


class Federated:
    def __init__(self, url: str, subgraphs: dict[str, RecordingGraphQL]) -> None:
        self.url = url
        self.subgraphs = subgraphs
        self.client = httpx.Client(base_url=url, timeout=10)

    def query(self, query: str, token: str | None = None, **body: Any) -> httpx.Response:
        headers = {"accept": GRJ}
        if token:
            headers["authorization"] = f"Bearer {token}"
        return self.client.post("/graphql", json={"query": query, **body}, headers=headers)


@pytest.fixture(scope="module")
def subgraph_servers() -> Iterator[tuple[dict[str, RecordingGraphQL], dict[str, str]]]:
    recording = apps()
    contexts = {
        name: serve_app(Starlette(routes=[Route("/graphql", app)])) for name, app in recording.items()
    }
    urls = {name: context.__enter__().url + "/graphql" for name, context in contexts.items()}
    yield recording, urls
    for context in contexts.values():
        context.__exit__(None, None, None)


@pytest.fixture(scope="module")
def start_federated(subgraph_servers) -> Iterator[Callable[..., Federated]]:  # type: ignore[no-untyped-def]
    recording, urls = subgraph_servers
    contexts = []

    def start(**overrides: Any) -> Federated:
        config = RouterConfig(
            supergraph_path=str(FIXTURE),
            subgraph_urls={"ACCOUNTS": urls["accounts"], "REVIEWS": urls["reviews"]},
            auth=AuthSettings(secret_key=SECRET),
            **overrides,
        )
        context = serve_app(create_app(config))
        contexts.append(context)
        return Federated(context.__enter__().url, recording)

    yield start
    for context in contexts:
        context.__exit__(None, None, None)


@pytest.fixture(scope="module")
def federated(start_federated: Callable[..., Federated]) -> Federated:
    return start_federated()


@pytest.mark.node
def test_fixture_is_what_apollo_composition_produces() -> None:
    expected = compose_with_apollo({"accounts": "http://accounts.invalid/graphql", "reviews": "http://reviews.invalid/graphql"})
    assert FIXTURE.read_text() == expected


def test_entity_jump_through_the_core(federated: Federated) -> None:
    response = federated.query("{ reviews { body author { name } } }")
    assert response.status_code == 200
    assert response.json() == {
        "data": {
            "reviews": [
                {"body": "great", "author": {"name": "Ann"}},
                {"body": "meh", "author": {"name": "Bob"}},
                {"body": "fine", "author": {"name": "Ann"}},
            ]
        }
    }


def test_variables_fragments_and_aliases(federated: Federated) -> None:
    query = (
        "query Q($withReviews: Boolean!) { people: users { ...U } }"
        " fragment U on User { name reviews @include(if: $withReviews) { body } }"
    )
    response = federated.query(query, variables={"withReviews": True}, operationName="Q")
    assert response.json() == {
        "data": {
            "people": [
                {"name": "Ann", "reviews": [{"body": "great"}, {"body": "fine"}]},
                {"name": "Bob", "reviews": [{"body": "meh"}]},
            ]
        }
    }
    without = federated.query(query, variables={"withReviews": False})
    assert without.json() == {"data": {"people": [{"name": "Ann"}, {"name": "Bob"}]}}


def test_anonymous_caller_gets_nulls_for_protected_fields_and_subgraphs_never_see_them(
    federated: Federated,
) -> None:
    accounts = federated.subgraphs["accounts"]
    before = len(accounts.seen_queries)
    response = federated.query("{ me { name } users { name email } }")
    assert response.status_code == 200
    assert response.json() == {
        "data": {"me": None, "users": [{"name": "Ann", "email": None}, {"name": "Bob", "email": None}]},
        "errors": [{**UNAUTHORIZED, "path": ["me"]}, {**UNAUTHORIZED, "path": ["users", "@", "email"]}],
    }
    sent = " ".join(accounts.seen_queries[before:])
    assert re.search(r"\busers\b", sent)
    assert not re.search(r"\bme\b", sent) and "email" not in sent


def test_token_with_scope_sees_everything_and_the_header_reaches_subgraphs(federated: Federated) -> None:
    token = make_token(sub="1", scope="read:email")
    accounts, reviews = federated.subgraphs["accounts"], federated.subgraphs["reviews"]
    start_a, start_r = len(accounts.seen_headers), len(reviews.seen_headers)
    response = federated.query("{ me { name email reviews { body } } }", token=token)
    assert response.json() == {
        "data": {"me": {"name": "Ann", "email": "ann@example.com", "reviews": [{"body": "great"}, {"body": "fine"}]}}
    }
    for seen in (accounts.seen_headers[start_a:], reviews.seen_headers[start_r:]):
        assert seen and all(h.get("authorization") == f"Bearer {token}" for h in seen)


def test_bad_token_never_reaches_a_subgraph(federated: Federated) -> None:
    accounts = federated.subgraphs["accounts"]
    before = len(accounts.seen_headers)
    response = federated.query("{ users { name } }", token=make_token(expires_in=-10))
    assert response.status_code == 401
    assert len(accounts.seen_headers) == before


def test_subgraph_timeout_gives_partial_data(start_federated: Callable[..., Federated]) -> None:
    router = start_federated(subgraph_timeouts={"REVIEWS": 0.3})
    response = router.query("{ users { name } slow }")
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"users": [{"name": "Ann"}, {"name": "Bob"}], "slow": None}
    assert body["errors"] and "timed out" in body["errors"][0]["message"]


def test_subgraph_error_details_pass_through_or_are_masked(start_federated: Callable[..., Federated]) -> None:
    plain = start_federated()
    body = plain.query("{ boom users { name } }").json()
    assert body["data"]["boom"] is None and body["data"]["users"][0]["name"] == "Ann"
    assert "hunter2" in body["errors"][0]["message"]
    masked = start_federated(mask_subgraph_errors=True).query("{ boom users { name } }").json()
    assert masked["data"] == body["data"]
    assert masked["errors"] and "hunter2" not in str(masked["errors"])


def test_request_timeout_is_a_504(start_federated: Callable[..., Federated]) -> None:
    router = start_federated(request_timeout=0.3)
    response = router.query("{ slow }")
    assert response.status_code == 504
    assert response.json()["errors"][0]["extensions"]["code"] == "GATEWAY_TIMEOUT"


@pytest.mark.node
def test_graphql_over_http_audit_against_the_federated_router(federated: Federated) -> None:
    results = run_audit(federated.url + "/graphql")
    failures = [f"{r['id']} {r['name']}: {r['reason']}" for r in results if r["status"] != "ok"]
    assert not failures, "\n".join(failures)


def test_serve_command_with_subgraph_url_overrides(subgraph_servers, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, urls = subgraph_servers
    service = ServiceProcess(
        ["-m", "router", "serve", "--supergraph", str(FIXTURE)],
        env={
            "SUBGRAPH_URL_ACCOUNTS": urls["accounts"],
            "SUBGRAPH_URL_REVIEWS": urls["reviews"],
            "SECRET_KEY": SECRET,
        },
        log_path=str(tmp_path / "router.log"),
    )
    service.start(timeout=60)
    try:
        response = httpx.post(service.url + "/graphql", json={"query": "{ reviews { author { name } } }"}, timeout=10)
        assert response.json() == {
            "data": {"reviews": [{"author": {"name": "Ann"}}, {"author": {"name": "Bob"}}, {"author": {"name": "Ann"}}]}
        }
        assert httpx.get(service.url + "/health").json() == {"status": "UP"}
    finally:
        service.stop()
    log = (tmp_path / "router.log").read_text()
    assert "Traceback" not in log
    assert sys.executable  # the router ran under the test interpreter


def test_the_ide_schema_explorer_query_works_on_the_real_router(federated: Federated) -> None:
    from router.server.ide import _SCRIPT

    start = _SCRIPT.index("const INTROSPECTION = `") + len("const INTROSPECTION = `")
    introspection = _SCRIPT[start : _SCRIPT.index("`", start)]
    body = federated.query(introspection).json()
    assert "errors" not in body
    names = {t["name"] for t in body["data"]["__schema"]["types"]}
    assert {"Query", "User", "Review"} <= names
    assert not any(name.startswith(("join__", "link__")) for name in names)
