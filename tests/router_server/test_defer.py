"""``@defer`` end to end: Strawberry subgraphs on real HTTP, the router's multipart answer parsed
like Apollo Client reads it, and the merged result compared with the same query without ``@defer``."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest

from tests.router_server.conftest import make_token
from tests.router_server.test_federated import Federated, start_federated, subgraph_servers  # noqa: F401 (fixtures)
from tests.support.incremental import PART_HEAD, apply, parse_multipart

DEFER_ACCEPT = "multipart/mixed;deferSpec=20220824,application/json"  # what Apollo Client sends


@pytest.fixture(scope="module")
def federated(start_federated: Callable[..., Federated]) -> Federated:  # noqa: F811
    return start_federated()


def post(federated: Federated, query: str, accept: str = DEFER_ACCEPT, token: str | None = None, **body: Any) -> httpx.Response:
    headers = {"accept": accept}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return federated.client.post("/graphql", json={"query": query, **body}, headers=headers)


def check_has_next(parts: list[dict[str, Any]]) -> None:
    assert [part["hasNext"] for part in parts] == [True] * (len(parts) - 1) + [False]


def without_defer(query: str) -> str:
    return re.sub(r"@defer(\([^)]*\))?", "", query)


def assert_same_as_without_defer(federated: Federated, query: str, parts: list[dict[str, Any]], **body: Any) -> None:
    plain = post(federated, without_defer(query), accept="application/json", **body)
    assert apply(parts) == plain.json()


def test_deferred_entity_jump_in_a_list_gets_one_entry_per_item(federated: Federated) -> None:
    query = '{ users { id name ... @defer(label: "reviews") { reviews { body } } } }'
    parts = parse_multipart(post(federated, query))
    check_has_next(parts)
    assert parts[0] == {"data": {"users": [{"id": "1", "name": "Ann"}, {"id": "2", "name": "Bob"}]}, "hasNext": True}
    assert parts[1] == {
        "incremental": [
            {"data": {"reviews": [{"body": "great"}, {"body": "fine"}]}, "path": ["users", 0], "label": "reviews"},
            {"data": {"reviews": [{"body": "meh"}]}, "path": ["users", 1], "label": "reviews"},
        ],
        "hasNext": False,
    }
    assert_same_as_without_defer(federated, query, parts)


def test_the_primary_part_leaves_before_the_deferred_work_is_done(federated: Federated) -> None:
    query = "{ users { name } ... @defer { slow } }"  # `slow` takes 2 s in the subgraph
    with federated.client.stream("POST", "/graphql", json={"query": query}, headers={"accept": DEFER_ACCEPT}) as response:
        chunks = response.iter_raw()
        first = next(chunks)
        # the first chunk is the whole initial payload, and the response is still open
        assert first.startswith(b"\r\n---" + PART_HEAD) and first.endswith(b"\r\n---")
        initial = orjson.loads(first[len(b"\r\n---" + PART_HEAD): -len(b"\r\n---")])
        assert initial == {"data": {"users": [{"name": "Ann"}, {"name": "Bob"}]}, "hasNext": True}
        rest = b"".join(chunks)
    assert rest.endswith(b"\r\n-----\r\n")
    later = orjson.loads(rest[len(PART_HEAD): -len(b"\r\n-----\r\n")])
    assert later == {"incremental": [{"data": {"slow": "finally"}, "path": []}], "hasNext": False}


def test_nested_defers_come_in_order_with_list_indices(federated: Federated) -> None:
    query = (
        '{ reviews { id ... @defer(label: "outer") { body author { id ... @defer(label: "inner") { name } } } } }'
    )
    parts = parse_multipart(post(federated, query))
    check_has_next(parts)
    assert parts[0]["data"] == {"reviews": [{"id": "r1"}, {"id": "r2"}, {"id": "r3"}]}
    outer, inner = parts[1]["incremental"], parts[2]["incremental"]
    assert outer == [
        {"data": {"body": "great", "author": {"id": "1"}}, "path": ["reviews", 0], "label": "outer"},
        {"data": {"body": "meh", "author": {"id": "2"}}, "path": ["reviews", 1], "label": "outer"},
        {"data": {"body": "fine", "author": {"id": "1"}}, "path": ["reviews", 2], "label": "outer"},
    ]
    assert inner == [
        {"data": {"name": "Ann"}, "path": ["reviews", 0, "author"], "label": "inner"},
        {"data": {"name": "Bob"}, "path": ["reviews", 1, "author"], "label": "inner"},
        {"data": {"name": "Ann"}, "path": ["reviews", 2, "author"], "label": "inner"},
    ]
    assert_same_as_without_defer(federated, query, parts)


def test_named_fragment_spreads_and_type_conditions(federated: Federated) -> None:
    query = (
        "query Q { users { ... on User { id } ...Details @defer(label: \"details\") } }"
        " fragment Details on User { name reviews { id ... on Review @defer { body } } }"
    )
    parts = parse_multipart(post(federated, query))
    check_has_next(parts)
    assert parts[0]["data"] == {"users": [{"id": "1"}, {"id": "2"}]}
    assert [entry["path"] for entry in parts[1]["incremental"]] == [["users", 0], ["users", 1]]
    assert [entry["path"] for entry in parts[2]["incremental"]] == [
        ["users", 0, "reviews", 0], ["users", 0, "reviews", 1], ["users", 1, "reviews", 0]
    ]
    assert "label" not in parts[2]["incremental"][0]
    assert_same_as_without_defer(federated, query, parts)


def test_if_false_means_not_deferred(federated: Federated) -> None:
    query = "query Q($d: Boolean!) { users { id ... @defer(if: $d) { name } } }"
    plain = post(federated, query, variables={"d": False})
    assert plain.headers["content-type"].startswith("application/json")
    assert plain.json() == {"data": {"users": [{"id": "1", "name": "Ann"}, {"id": "2", "name": "Bob"}]}}
    literal = post(federated, "{ users { id ... @defer(if: false) { name } } }")
    assert literal.json() == plain.json()
    deferred = parse_multipart(post(federated, query, variables={"d": True}))
    assert deferred[0]["data"] == {"users": [{"id": "1"}, {"id": "2"}]}
    assert apply(deferred) == plain.json()
    # only the fragments whose `if` holds are deferred
    mixed = "query Q($d: Boolean!) { users { id ... @defer(if: $d) { name } ... @defer(if: false) { reviews { id } } } }"
    parts = parse_multipart(post(federated, mixed, variables={"d": True}))
    assert parts[0]["data"]["users"][0] == {"id": "1", "reviews": [{"id": "r1"}, {"id": "r3"}]}
    assert len(parts) == 2
    assert apply(parts) == post(federated, without_defer(mixed).replace("($d: Boolean!)", "")).json()


def test_a_null_parent_gets_no_incremental_entry(federated: Federated) -> None:
    # anonymous: `me` needs a token, so it is null (with its authorization error) and nothing is deferred into it
    query = '{ me { id ... @defer(label: "me") { name } } users { id } }'
    parts = parse_multipart(post(federated, query))
    assert parts[0]["data"] == {"me": None, "users": [{"id": "1"}, {"id": "2"}]}
    assert parts[0]["errors"] == [
        {"message": "Unauthorized field or type", "path": ["me"], "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"}}
    ]
    assert parts[1:] == [{"hasNext": False}]
    assert_same_as_without_defer(federated, query, parts)
    # with a token the same fragment arrives
    token = make_token(sub="1")
    parts = parse_multipart(post(federated, query, token=token))
    assert parts[1]["incremental"] == [{"data": {"name": "Ann"}, "path": ["me"], "label": "me"}]
    assert_same_as_without_defer(federated, query, parts, token=token)


def test_authorization_applies_inside_deferred_fragments(federated: Federated) -> None:
    query = "{ users { id ... @defer { name email } } }"
    parts = parse_multipart(post(federated, query))
    assert [entry["data"] for entry in parts[1]["incremental"]] == [
        {"name": "Ann", "email": None}, {"name": "Bob", "email": None}
    ]
    assert parts[0]["errors"][0]["extensions"]["code"] == "UNAUTHORIZED_FIELD_OR_TYPE"
    accounts = federated.subgraphs["accounts"]
    assert not any("email" in sent for sent in accounts.seen_queries)
    token = make_token(sub="1", scope="read:email")
    parts = parse_multipart(post(federated, query, token=token))
    assert parts[1]["incremental"][0]["data"] == {"name": "Ann", "email": "ann@example.com"}


def test_errors_inside_a_deferred_fragment_travel_with_it(federated: Federated) -> None:
    query = '{ users { id } ... @defer(label: "risky") { boom } }'
    parts = parse_multipart(post(federated, query))
    assert "errors" not in parts[0]
    (entry,) = parts[1]["incremental"]
    assert entry["data"] == {"boom": None} and entry["path"] == [] and entry["label"] == "risky"
    assert [error["path"] for error in entry["errors"]] == [["boom"]]
    assert "hunter2" in entry["errors"][0]["message"]
    assert_same_as_without_defer(federated, query, parts)


@pytest.mark.parametrize("accept", ["application/json", "application/graphql-response+json", "*/*"])
def test_clients_without_multipart_get_the_whole_answer(federated: Federated, accept: str) -> None:
    query = '{ reviews { id ... @defer(label: "a") { body author { ... @defer { name } } } } }'
    response = post(federated, query, accept=accept)
    assert response.status_code == 200
    assert not response.headers["content-type"].startswith("multipart")
    assert response.json() == post(federated, without_defer(query), accept=accept).json()
    assert response.json()["data"]["reviews"][0] == {"id": "r1", "body": "great", "author": {"name": "Ann"}}


def test_multipart_subscription_clients_get_plain_json_for_deferred_queries(federated: Federated) -> None:
    # Apollo's subscription Accept does not name deferSpec: the whole answer, as JSON
    response = post(federated, "{ users { id ... @defer { name } } }", accept='multipart/mixed;subscriptionSpec="1.0",application/json')
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"data": {"users": [{"id": "1", "name": "Ann"}, {"id": "2", "name": "Bob"}]}}


def test_queries_without_defer_answer_plain_json_even_when_multipart_is_accepted(federated: Federated) -> None:
    response = post(federated, "{ users { id } }")
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"data": {"users": [{"id": "1"}, {"id": "2"}]}}


def test_introspection_shows_the_defer_directive(federated: Federated) -> None:
    response = post(
        federated,
        '{ __schema { directives { name locations args { name type { kind name ofType { name } } defaultValue } } } }',
        accept="application/json",
    )
    defer = next(d for d in response.json()["data"]["__schema"]["directives"] if d["name"] == "defer")
    assert defer["locations"] == ["FRAGMENT_SPREAD", "INLINE_FRAGMENT"]
    assert {arg["name"]: (arg["type"]["kind"], arg["defaultValue"]) for arg in defer["args"]} == {
        "label": ("SCALAR", None),
        "if": ("NON_NULL", "true"),
    }


def test_invalid_uses_of_defer_are_validation_errors(federated: Federated) -> None:
    duplicate = post(federated, '{ users { ... @defer(label: "x") { id } ... @defer(label: "x") { name } } }')
    assert duplicate.status_code == 200
    assert duplicate.headers["content-type"].startswith("application/json")
    (error,) = duplicate.json()["errors"]
    assert error["message"] == "Defer/Stream directive label argument must be unique."
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    on_field = post(federated, "{ users @defer { id } }")
    assert on_field.json()["errors"][0]["message"] == "Directive '@defer' may not be used on field."
    broken = post(federated, "{ users { ... @defer { nope } } }")
    assert broken.json()["errors"][0]["message"].startswith("Cannot query field 'nope' on type 'User'.")


def test_a_deferred_answer_is_never_shared_between_callers(federated: Federated) -> None:
    import concurrent.futures

    query = "{ users { name } ... @defer { slow } }"
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        responses = list(pool.map(lambda _: post(federated, query), range(3)))
    for response in responses:
        parts = parse_multipart(response)
        assert apply(parts) == {"data": {"users": [{"name": "Ann"}, {"name": "Bob"}], "slow": "finally"}}


@pytest.mark.node
def test_apollo_client_reads_the_stream_and_merges_it_into_the_plain_answer(federated: Federated) -> None:
    import json
    import shutil
    import subprocess
    from pathlib import Path

    root = Path(__file__).parents[2]
    if shutil.which("node") is None or not (root / "tools/node/node_modules/@apollo/client").exists():
        pytest.fail("node and tools/node/node_modules are required (run `make node`)")
    queries = [
        '{ users { id name ... @defer(label: "reviews") { reviews { body } } } }',
        '{ reviews { id ... @defer(label: "outer") { body author { id ... @defer(label: "inner") { name } } } } }',
        "{ users { name } ... @defer { slow } }",
    ]
    done = subprocess.run(
        ["node", str(Path(__file__).with_name("apollo_client_defer.mjs")), federated.url + "/graphql", json.dumps(queries)],
        cwd=root, capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    for query, result in zip(queries, json.loads(done.stdout)):
        assert len(result["chunks"]) >= 2, result  # the link saw the initial part and incremental ones
        assert result["chunks"][0]["hasNext"] is True and result["chunks"][-1]["hasNext"] is False
        assert result["data"] == post(federated, without_defer(query), accept="application/json").json()["data"]
