"""Production guards: each one refuses an over-the-limit request with an error naming the limit."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from router.config import Limits
from router.guards import check_limits, measure_operation
from tests.router_server.conftest import RouterUnderTest

GRJ = "application/graphql-response+json"


@pytest.fixture(scope="module")
def strict(start_router: Callable[..., RouterUnderTest]) -> RouterUnderTest:
    return start_router(
        limits=Limits(
            max_body_bytes=2_000,
            max_tokens=60,
            max_depth=4,
            max_aliases=2,
            max_root_fields=3,
            max_fields=40,
        )
    )


def _error(router: RouterUnderTest, query: str) -> dict:
    response = router.post({"query": query}, headers={"accept": GRJ})
    assert response.status_code == 400, response.text
    body = response.json()
    assert "data" not in body
    return body["errors"][0]


def test_within_limits_runs(strict: RouterUnderTest) -> None:
    response = strict.post({"query": "{ a: version b: version products { reviews { author { name } } } }"})
    assert response.status_code == 200
    assert response.json()["data"]["a"] == 3


def test_depth_limit(strict: RouterUnderTest) -> None:
    error = _error(strict, "{ products { reviews { author { favorite { name } } } } }")
    assert error["extensions"]["code"] == "MAX_DEPTH_LIMIT"
    assert error["message"] == "Operation depth of 5 exceeds the limit of 4 (ROUTER_MAX_DEPTH)."


def test_depth_counts_through_fragments(strict: RouterUnderTest) -> None:
    query = (
        "{ products { ...R } } fragment R on Product { reviews { author { ...U } } }"
        " fragment U on User { ... on User { favorite { id } } }"
    )
    assert measure_operation_depth(query) == 5
    error = _error(strict, query)
    assert error["extensions"]["code"] == "MAX_DEPTH_LIMIT"


def measure_operation_depth(query: str) -> int:
    from graphql import OperationDefinitionNode, parse

    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    return measure_operation(document, operation).depth


def test_alias_limit(strict: RouterUnderTest) -> None:
    error = _error(strict, "{ a: version b: version c: version }")
    assert error["extensions"]["code"] == "MAX_ALIASES_LIMIT"
    assert "alias count of 3 exceeds the limit of 2 (ROUTER_MAX_ALIASES)" in error["message"]


def test_root_field_limit(strict: RouterUnderTest) -> None:
    error = _error(strict, "{ version hello products { id } node { id } }")
    assert error["extensions"]["code"] == "MAX_ROOT_FIELDS_LIMIT"
    assert "root field count of 4 exceeds the limit of 3 (ROUTER_MAX_ROOT_FIELDS)" in error["message"]


def test_root_fields_count_through_fragments(strict: RouterUnderTest) -> None:
    error = _error(strict, "{ ...Q version } fragment Q on Query { hello node { id } products { id } }")
    assert error["extensions"]["code"] == "MAX_ROOT_FIELDS_LIMIT"


def test_fragment_bomb_is_stopped_by_the_field_limit(start_router: Callable[..., RouterUnderTest]) -> None:
    router = start_router(limits=Limits(max_fields=40))
    # Each fragment spreads the next twice: 8 short lines expand to 2^7 copies of the leaves.
    levels = 7
    fragments = " ".join(f"fragment F{i} on Product {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels))
    query = f"{{ products {{ ...F0 }} }} {fragments} fragment F{levels} on Product {{ id name }}"
    before = len(router.engine.executed)
    error = _error(router, query)
    assert error["extensions"]["code"] == "MAX_FIELDS_LIMIT"
    assert "field count (fragments expanded) of 257 exceeds the limit of 40 (ROUTER_MAX_FIELDS)" in error["message"]
    assert len(router.engine.executed) == before


def test_token_limit(strict: RouterUnderTest) -> None:
    query = "{ " + " ".join("version" for _ in range(70)) + " }"
    error = _error(strict, query)
    assert error["extensions"]["code"] == "MAX_TOKENS_LIMIT"
    assert "ROUTER_MAX_TOKENS" in error["message"]


def test_comment_flood_counts_against_the_token_limit(strict: RouterUnderTest) -> None:
    query = "\n".join("# c" for _ in range(80)) + "\n{ version }"
    error = _error(strict, query)
    assert error["extensions"]["code"] == "MAX_TOKENS_LIMIT"


def test_body_size_limit(strict: RouterUnderTest) -> None:
    response = strict.post({"query": "{ version }", "variables": {"pad": "x" * 3_000}})
    assert response.status_code == 413
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert "2000 bytes (ROUTER_MAX_BODY_BYTES)" in error["message"]


def test_body_size_limit_without_content_length(strict: RouterUnderTest) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"query": "{ version }", "variables": {"pad": "'
        for _ in range(10):
            yield b"x" * 500
        yield b'"}}'

    response = strict.client.post("/graphql", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_deeply_nested_document_is_a_parse_error_not_a_crash(router: RouterUnderTest) -> None:
    query = "{" + "products { reviews { author { " * 150 + "id" + " } } }" * 150 + "}"
    response = router.post({"query": query}, headers={"accept": GRJ})
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["errors"][0]["message"]


def test_deeply_nested_variables_are_a_request_error(router: RouterUnderTest) -> None:
    nested: object = "x"
    for _ in range(3000):
        nested = [nested]
    body = '{"query": "query($v: String) { hello(name: $v) }", "variables": {"v": ' + "[" * 3000 + '"x"' + "]" * 3000 + "}}"
    response = router.client.post(
        "/graphql", content=body, headers={"content-type": "application/json", "accept": GRJ}
    )
    # orjson refuses >1024 nesting: a clean 400 either way, never a 500.
    assert response.status_code == 400


def test_introspection_can_be_switched_off(start_router: Callable[..., RouterUnderTest]) -> None:
    router = start_router(introspection=False)
    error = _error(router, "{ __schema { types { name } } }")
    assert error["extensions"]["code"] == "INTROSPECTION_DISABLED"
    assert "ROUTER_INTROSPECTION" in error["message"]
    error = _error(router, '{ __type(name: "Query") { name } }')
    assert error["extensions"]["code"] == "INTROSPECTION_DISABLED"
    # __typename is not introspection of the schema and keeps working.
    response = router.post({"query": "{ __typename version }"})
    assert response.json() == {"data": {"__typename": "Query", "version": 3}}


class TestCsrf:
    @pytest.mark.parametrize(
        "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None]
    )
    def test_simple_requests_are_blocked(self, router: RouterUnderTest, content_type: str | None) -> None:
        before = len(router.engine.executed)
        headers = {"content-type": content_type} if content_type else {}
        response = router.client.post("/graphql", content=b'{"query": "mutation { setGreeting(text: \\"x\\") }"}', headers=headers)
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "CSRF_PREVENTION"
        assert "apollo-require-preflight" in error["message"]
        assert len(router.engine.executed) == before

    @pytest.mark.parametrize("header", ["apollo-require-preflight", "x-apollo-operation-name", "graphql-require-preflight"])
    def test_a_custom_header_lifts_the_block(self, router: RouterUnderTest, header: str) -> None:
        response = router.client.post(
            "/graphql", content=b'{"query": "{ version }"}', headers={"content-type": "text/plain", header: "1"}
        )
        # Past CSRF; the body type itself is still unsupported.
        assert response.status_code == 415

    def test_json_post_and_get_queries_pass(self, router: RouterUnderTest) -> None:
        assert router.post({"query": "{ version }"}).status_code == 200
        assert router.client.get("/graphql", params={"query": "{ version }"}).status_code == 200

    def test_can_be_disabled(self, start_router: Callable[..., RouterUnderTest]) -> None:
        router = start_router(csrf_prevention=False)
        response = router.client.post("/graphql", content=b'{"query": "{ version }"}', headers={"content-type": "text/plain"})
        assert response.status_code == 415


def test_check_limits_reports_every_exceeded_limit() -> None:
    from graphql import parse

    document = parse("{ a: x { b: y { c: z } } d: w }")
    operation = document.definitions[0]
    shape = measure_operation(document, operation)  # type: ignore[arg-type]
    assert (shape.depth, shape.aliases, shape.root_fields, shape.fields) == (3, 4, 2, 4)
    errors = check_limits(shape, Limits(max_depth=2, max_aliases=3, max_root_fields=1, max_fields=3))
    assert [e.extensions["code"] for e in errors] == [
        "MAX_DEPTH_LIMIT",
        "MAX_ALIASES_LIMIT",
        "MAX_ROOT_FIELDS_LIMIT",
        "MAX_FIELDS_LIMIT",
    ]
    assert check_limits(shape, Limits(max_depth=None, max_aliases=None, max_root_fields=None, max_fields=None)) == []
