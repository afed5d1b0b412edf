"""``@defer`` in mutations (executed once, in order; only delivery is incremental) and in
subscriptions (refused by validation, as graphql-core's rule for the spec says)."""

from __future__ import annotations

import httpx

from tests.router_subscriptions.conftest import Router
from tests.support.incremental import parse_multipart

DEFER = {"accept": "multipart/mixed;deferSpec=20220824,application/json"}
ADD = 'mutation { first: addReview(productId: "1", body: "a") { id } second: addReview(productId: "2", body: "b") { id } }'


def ids(data: dict) -> tuple[int, int]:
    return int(data["first"]["id"]), int(data["second"]["id"])


async def test_a_deferred_mutation_runs_once_in_order(router: Router) -> None:
    deferred = (
        'mutation { first: addReview(productId: "1", body: "a") { id ... @defer(label: "p") { product { name priceBand } } }'
        ' second: addReview(productId: "2", body: "b") { id ... @defer(label: "p2") { body product { name } } } }'
    )
    async with httpx.AsyncClient(timeout=10) as client:
        before = ids((await client.post(router.url, json={"query": ADD})).json()["data"])
        response = await client.post(router.url, json={"query": deferred}, headers=DEFER)
        after = ids((await client.post(router.url, json={"query": ADD})).json()["data"])
    got = parse_multipart(response)
    first, second = ids(got[0]["data"])
    # one execution of each root field, in document order, between the two plain mutations
    assert (first, second) == (before[1] + 1, before[1] + 2) and after[0] == second + 1
    assert got[0] == {"data": {"first": {"id": str(first)}, "second": {"id": str(second)}}, "hasNext": True}
    assert got[1:] == [
        {"incremental": [{"data": {"product": {"name": "Lamp", "priceBand": "cheap"}}, "path": ["first"], "label": "p"}],
         "hasNext": True},
        {"incremental": [{"data": {"body": "b", "product": {"name": "Desk"}}, "path": ["second"], "label": "p2"}],
         "hasNext": False},
    ]


async def test_defer_in_a_subscription_is_refused(router: Router) -> None:
    query = "subscription { reviewAdded { id ... @defer { body } } }"
    async with httpx.AsyncClient(timeout=10) as client:
        for accept in ('multipart/mixed;subscriptionSpec="1.0",application/json', DEFER["accept"], "application/json"):
            response = await client.post(router.url, json={"query": query}, headers={"accept": accept})
            assert response.headers["content-type"].startswith("application/json"), accept
            messages = [error["message"] for error in response.json()["errors"]]
            assert messages == [
                "Defer directive not supported on subscription operations."
                " Disable `@defer` by setting the `if` argument to `false`."
            ], accept
        # with `if: false` it is an ordinary subscription (here refused only for want of a streaming transport)
        plain = await client.post(
            router.url, json={"query": "subscription { reviewAdded { id ... @defer(if: false) { body } } }"},
            headers={"accept": "application/json"},
        )
        assert plain.json()["errors"][0]["extensions"]["code"] == "SUBSCRIPTION_NOT_SUPPORTED"


async def test_an_accept_naming_both_multipart_specs_streams_each_kind_its_way(router: Router) -> None:
    both = {"accept": 'multipart/mixed;subscriptionSpec="1.0",multipart/mixed;deferSpec=20220824,application/json'}
    async with httpx.AsyncClient(timeout=10) as client:
        subscription = await client.post(router.url, json={"query": "subscription { countdown(start: 2) }"}, headers=both)
        assert subscription.headers["content-type"] == 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"'
        assert b'{"payload":{"data":{"countdown":2}}}' in subscription.content
        assert subscription.content.endswith(b"\r\n--graphql--\r\n")
        deferred = await client.post(
            router.url, json={"query": 'mutation { addReview(productId: "2", body: "c") { body ... @defer { product { name } } } }'},
            headers=both,
        )
    got = parse_multipart(deferred)
    assert got[0] == {"data": {"addReview": {"body": "c"}}, "hasNext": True}
    assert got[1] == {"incremental": [{"data": {"product": {"name": "Desk"}}, "path": ["addReview"]}], "hasNext": False}
