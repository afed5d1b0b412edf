"""GraphQL over HTTP: methods, media types, status codes and error shapes, over real HTTP."""

from __future__ import annotations

import json

import pytest

from tests.router_server.conftest import RouterUnderTest

GRJ = "application/graphql-response+json"


def test_post_json_query_returns_data_as_application_json(router: RouterUnderTest) -> None:
    response = router.client.post("/graphql", json={"query": "{ hello version }"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.json() == {"data": {"hello": "hello world", "version": 3}}


def test_graphql_response_json_is_chosen_when_accepted(router: RouterUnderTest) -> None:
    response = router.post(
        {"query": "{ hello }"}, headers={"accept": "application/graphql-response+json, application/json;q=0.9"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRJ)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("*/*", "application/json"),
        ("application/*", "application/json"),
        ("application/json, application/graphql-response+json", GRJ),
        ("application/graphql-response+json;q=0.5, application/json", "application/json"),
        ("application/json; charset=utf-8", "application/json"),
    ],
)
def test_accept_negotiation(router: RouterUnderTest, accept: str, expected: str) -> None:
    response = router.post({"query": "{ hello }"}, headers={"accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected


def test_unacceptable_accept_header_is_406(router: RouterUnderTest) -> None:
    response = router.post({"query": "{ hello }"}, headers={"accept": "text/xml"})
    assert response.status_code == 406
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_ACCEPTABLE"


def test_variables_and_operation_name(router: RouterUnderTest) -> None:
    query = "query A($n: String) { hello(name: $n) } query B { version }"
    response = router.post({"query": query, "operationName": "A", "variables": {"n": "Bo"}})
    assert response.json() == {"data": {"hello": "hello Bo"}}
    response = router.post({"query": query, "operationName": "B"})
    assert response.json() == {"data": {"version": 3}}


def test_variable_defaults_and_coercion_reach_the_engine(router: RouterUnderTest) -> None:
    response = router.post({"query": "query($id: ID!) { product(id: $id) { name } }", "variables": {"id": 5}})
    assert response.json() == {"data": {"product": None}}
    # ID input coerced to its string form before execution.
    assert router.engine.executed[-1]["variables"] == {"id": "5"}


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{", "GRAPHQL_PARSE_FAILED"),
        ("{ doesNotExist }", "GRAPHQL_VALIDATION_FAILED"),
        ("query A { hello } query B { hello }", "GRAPHQL_UNKNOWN_OPERATION_NAME"),
    ],
)
def test_graphql_request_errors_are_400_without_data_for_graphql_response_json(
    router: RouterUnderTest, query: str, code: str
) -> None:
    response = router.post({"query": query}, headers={"accept": GRJ})
    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == code
    # Legacy clients get the same body with 200.
    legacy = router.post({"query": query}, headers={"accept": "application/json"})
    assert legacy.status_code == 200
    assert legacy.json() == body


def test_unknown_operation_name_is_named_in_the_error(router: RouterUnderTest) -> None:
    response = router.post({"query": "query A { hello }", "operationName": "Z"}, headers={"accept": GRJ})
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "Unknown operation named 'Z'."


def test_variable_coercion_failure(router: RouterUnderTest) -> None:
    query = "query($id: ID!) { product(id: $id) { name } }"
    response = router.post({"query": query, "variables": {"id": None}}, headers={"accept": GRJ})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "VALIDATION_INVALID_TYPE_VARIABLE"
    assert "$id" in error["message"]
    assert router.post({"query": query, "variables": {"id": None}}).status_code == 200


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ('{"query": ', "not valid JSON"),
        ("[]", "Batched requests are disabled"),
        ('"text"', "must be a JSON object"),
        ('{"qeury": "{ hello }"}', "Must provide query string"),
        ('{"query": 1}', "'query' parameter must be a string, got number"),
        ('{"query": "{ hello }", "operationName": ["x"]}', "'operationName' parameter must be a string"),
        ('{"query": "{ hello }", "variables": "x"}', "'variables' parameter must be a JSON object"),
        ('{"query": "{ hello }", "extensions": [1]}', "'extensions' parameter must be a JSON object"),
        ("   ", "POST body is empty"),
    ],
)
def test_malformed_requests_are_400_with_a_graphql_error_whatever_the_media_type(
    router: RouterUnderTest, body: str, fragment: str
) -> None:
    for accept in ("application/json", GRJ):
        response = router.client.post(
            "/graphql", content=body, headers={"content-type": "application/json", "accept": accept}
        )
        assert response.status_code == 400, body
        errors = response.json()["errors"]
        assert fragment in errors[0]["message"]
        assert "Traceback" not in response.text


def test_invalid_utf8_body_is_a_clean_400(router: RouterUnderTest) -> None:
    response = router.client.post(
        "/graphql", content=b'{"query": "\xff\xfe"}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_null_optional_parameters_are_accepted(router: RouterUnderTest) -> None:
    body = {"query": "{ hello }", "operationName": None, "variables": None, "extensions": None}
    response = router.post(body, headers={"accept": GRJ})
    assert response.status_code == 200
    assert response.json() == {"data": {"hello": "hello world"}}


def test_get_query_with_json_variables(router: RouterUnderTest) -> None:
    response = router.client.get(
        "/graphql",
        params={"query": "query($n: String) { hello(name: $n) }", "variables": json.dumps({"n": "Get"})},
        headers={"accept": GRJ},
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"hello": "hello Get"}}


def test_get_with_non_json_variables_is_400(router: RouterUnderTest) -> None:
    response = router.client.get("/graphql", params={"query": "{ hello }", "variables": "{nope"})
    assert response.status_code == 400
    assert "'variables' query parameter" in response.json()["errors"][0]["message"]


def test_mutation_over_get_is_405_with_allow_header_and_not_executed(router: RouterUnderTest) -> None:
    before = len(router.engine.executed)
    for accept in ("application/json", GRJ):
        response = router.client.get(
            "/graphql", params={"query": 'mutation { setGreeting(text: "x") }'}, headers={"accept": accept}
        )
        assert response.status_code == 405
        assert response.headers["allow"] == "POST"
        assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    assert len(router.engine.executed) == before


def test_mutation_over_post_runs(router: RouterUnderTest) -> None:
    response = router.post({"query": 'mutation { setGreeting(text: "hi") }'})
    assert response.json() == {"data": {"setGreeting": "hi"}}


def test_other_methods_are_405(router: RouterUnderTest) -> None:
    response = router.client.put("/graphql", json={"query": "{ hello }"})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


def test_post_without_content_type_is_rejected(router: RouterUnderTest) -> None:
    response = router.client.post("/graphql", content=b'{"query": "{ hello }"}')
    assert 400 <= response.status_code < 500
    assert response.json()["errors"]


def test_unsupported_content_type_with_preflight_header_is_415(router: RouterUnderTest) -> None:
    response = router.client.post(
        "/graphql",
        content=b"query=%7Bhello%7D",
        headers={"content-type": "application/x-www-form-urlencoded", "apollo-require-preflight": "true"},
    )
    assert response.status_code == 415
    assert response.json()["errors"][0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    response = router.client.post(
        "/graphql", content=b'{"query": "{ hello }"}', headers={"content-type": "application/xml"}
    )
    assert response.status_code == 415


def test_non_utf8_charset_is_415(router: RouterUnderTest) -> None:
    response = router.client.post(
        "/graphql", content=b'{"query": "{ hello }"}', headers={"content-type": "application/json; charset=latin-1"}
    )
    assert response.status_code == 415


def test_ide_page_for_browsers_is_self_contained(router: RouterUnderTest) -> None:
    browser_accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = router.client.get("/graphql", headers={"accept": browser_accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "<textarea id=\"query\"" in page
    # Works offline: no script or stylesheet from another origin.
    assert "src=\"http" not in page and "href=\"http" not in page
    assert "script-src 'sha256-" in response.headers["content-security-policy"]


def test_get_without_query_for_api_clients_is_400(router: RouterUnderTest) -> None:
    response = router.client.get("/graphql", headers={"accept": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "Must provide query string."


def test_health(router: RouterUnderTest) -> None:
    response = router.client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "UP"}


def test_introspection_is_answered(router: RouterUnderTest) -> None:
    response = router.post({"query": '{ __type(name: "Product") { fields { name } } }'})
    names = [field["name"] for field in response.json()["data"]["__type"]["fields"]]
    assert names == ["id", "name", "price", "cost", "reviews"]


def test_parse_and_validation_happen_once_per_text(router: RouterUnderTest) -> None:
    from unittest import mock

    from graphql import parse, validate

    query = "query CachedOnce { version }"
    with (
        mock.patch("router.gateway.documents.parse", wraps=parse) as parse_spy,
        mock.patch("router.gateway.documents.validate", wraps=validate) as validate_spy,
    ):
        for _ in range(3):
            assert router.post({"query": query}).json() == {"data": {"version": 3}}
    assert parse_spy.call_count == 1
    assert validate_spy.call_count == 1
    # Planning reuse is the core's plan cache; the pipeline asks with the same key each time.
    assert router.engine.plan_calls.count(query) == 3


def test_persisted_query_round_trip(router: RouterUnderTest) -> None:
    import hashlib

    query = "{ version }"
    digest = hashlib.sha256(query.encode()).hexdigest()
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    miss = router.post({"extensions": extensions})
    assert miss.status_code == 200
    assert miss.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    assert router.post({"extensions": extensions}, headers={"accept": GRJ}).status_code == 400
    stored = router.post({"query": query, "extensions": extensions})
    assert stored.json() == {"data": {"version": 3}}
    hit = router.post({"extensions": extensions})
    assert hit.json() == {"data": {"version": 3}}
    over_get = router.client.get("/graphql", params={"extensions": json.dumps(extensions)})
    assert over_get.json() == {"data": {"version": 3}}
    wrong = router.post({"query": "{ hello }", "extensions": extensions}, headers={"accept": GRJ})
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"


def test_subscriptions_are_refused_clearly(start_router) -> None:  # type: ignore[no-untyped-def]
    # The local schema has no Subscription type, so validation reports it.
    router = start_router()
    response = router.post({"query": "subscription { hello }"}, headers={"accept": GRJ})
    assert response.status_code == 400
    assert response.json()["errors"]


def test_batching_when_enabled(start_router) -> None:  # type: ignore[no-untyped-def]
    router = start_router(batching=True, max_batch_size=3)
    response = router.client.post(
        "/graphql", json=[{"query": "{ version }"}, {"query": "{ nope }"}, {"qeury": "x"}]
    )
    assert response.status_code == 200
    first, second, third = response.json()
    assert first == {"data": {"version": 3}}
    assert second["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert third["errors"][0]["message"] == "Must provide query string."
    too_many = router.client.post("/graphql", json=[{"query": "{ version }"}] * 4)
    assert too_many.status_code == 400
    assert "ROUTER_MAX_BATCH_SIZE" in too_many.json()["errors"][0]["message"]


def test_cors_is_off_by_default_and_exact_when_configured(start_router, router: RouterUnderTest) -> None:  # type: ignore[no-untyped-def]
    response = router.post({"query": "{ version }"}, headers={"origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers
    cors = start_router(cors_origins=("https://app.example",))
    preflight = cors.client.options(
        "/graphql",
        headers={
            "origin": "https://app.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type, authorization",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://app.example"
    allowed = cors.post({"query": "{ version }"}, headers={"origin": "https://app.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    other = cors.post({"query": "{ version }"}, headers={"origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_the_root_path_is_an_alias_of_the_graphql_endpoint(router: RouterUnderTest) -> None:
    response = router.client.post("/", json={"query": "{ version }"})
    assert response.json() == {"data": {"version": 3}}
    assert router.client.get("/nothing-here").status_code == 404
