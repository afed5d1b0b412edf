"""Pipeline regressions found by the differential fuzzer (tests/differential)."""

from __future__ import annotations

from tests.router_server.conftest import RouterUnderTest


def unauthorized(*path: str) -> dict[str, object]:
    return {"message": "Unauthorized field or type", "path": list(path), "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"}}


def test_unauthorized_fields_a_request_skips_get_no_error(router: RouterUnderTest) -> None:
    # The filtered operation is shared by every request of the same text; the errors are
    # per request: a field its @skip/@include leaves out was never asked for.
    query = "query($show: Boolean = false) { version products { name price @include(if: $show) } }"
    skipped = router.query(query).json()
    assert skipped == {"data": {"version": 3, "products": [{"name": "Lamp"}, {"name": "Desk"}]}}
    shown = router.query(query, {"show": True}).json()
    assert shown["errors"] == [unauthorized("products", "@", "price")]
    assert shown["data"]["products"] == [{"name": "Lamp", "price": None}, {"name": "Desk", "price": None}]


def test_skips_on_enclosing_fields_and_fragments_count_too(router: RouterUnderTest) -> None:
    assert router.query("{ version me @skip(if: true) { name } }").json() == {"data": {"version": 3}}
    query = "query($p: Boolean!) { products { name ...Priced @include(if: $p) } } fragment Priced on Product { price }"
    assert router.query(query, {"p": False}).json() == {"data": {"products": [{"name": "Lamp"}, {"name": "Desk"}]}}
    assert router.query(query, {"p": True}).json()["errors"] == [unauthorized("products", "@", "price")]
    nested = "{ version ... @include(if: false) { me { name } } }"
    assert router.query(nested).json() == {"data": {"version": 3}}
