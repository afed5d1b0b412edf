"""Which subgraph answers an interface field that an @interfaceObject subgraph adds while the
real interface's subgraph also declares it on one implementing type.

``Member.verified`` comes from the ``badges`` @interfaceObject subgraph; ``Staff.verified``
is also resolved by ``members`` (the subgraph that knows the real types), with different
data. Selected on the interface, the field is the interface's: the answer must not change
when the client adds ``__typename`` or a type-conditioned field beside it, and the ``@defer``
full document (which selects ``__typename`` everywhere) must merge into the same answer.
Selected under ``... on Staff`` it is Staff's own field. Found by replaying the Guild's
federation gateway audit with ``@defer`` wrapped around its queries: the deferred answer
took ``Staff.verified`` from ``members``. Everything runs over real HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from router.composition.compose import SubgraphInput, compose
from router.config import RouterConfig
from router.server.app import create_app
from tests.router_core.subgraph_kit import Subgraph, serve_subgraphs
from tests.router_server.test_defer import DEFER_ACCEPT, apply, parse_multipart
from tests.support.servers import serve_app

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@interfaceObject"])'

MEMBERS_SDL = LINK + """
interface Member @key(fields: "id") { id: ID! }
type Staff implements Member @key(fields: "id") { id: ID! verified: Boolean! @shareable role: String! }
type Guest implements Member @key(fields: "id") { id: ID! }
"""
DIRECTORY_SDL = LINK + """
type Query { members: [Member!]! }
type Member @key(fields: "id") @interfaceObject { id: ID! }
"""
BADGES_SDL = LINK + """
type Member @key(fields: "id") @interfaceObject { id: ID! verified: Boolean! @shareable }
"""

# members' own notion of "verified" for staff differs from the badges subgraph's on purpose
STAFF = {"s1": {"verified": True, "role": "editor"}, "s2": {"verified": True, "role": "admin"}}
BADGES = {"s1": False, "s2": False, "g1": True}
ORDER = ("s1", "g1", "s2")


def _real(member_id: str) -> dict[str, Any]:
    if member_id in STAFF:
        return {"__typename": "Staff", "id": member_id, **STAFF[member_id]}
    return {"__typename": "Guest", "id": member_id}


def _subgraphs() -> list[Subgraph]:
    return [
        Subgraph("members", MEMBERS_SDL, references={
            "Member": lambda rep: _real(rep["id"]),
            "Staff": lambda rep: _real(rep["id"]),
            "Guest": lambda rep: _real(rep["id"]),
        }),
        Subgraph("directory", DIRECTORY_SDL, resolvers={
            "Query": {"members": lambda *_: [{"__typename": "Member", "id": i} for i in ORDER]},
        }, references={"Member": lambda rep: {"__typename": "Member", "id": rep["id"]}}),
        Subgraph("badges", BADGES_SDL, references={
            "Member": lambda rep: {"__typename": "Member", "id": rep["id"], "verified": BADGES[rep["id"]]},
        }),
    ]


@pytest.fixture(scope="module")
def router_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    subgraphs = _subgraphs()
    with serve_subgraphs(*subgraphs) as urls:
        composed = compose([SubgraphInput(s.name, urls[s.name], s.sdl) for s in subgraphs])
        assert composed.ok, composed.errors
        path = Path(tmp_path_factory.mktemp("interface-object-sources")) / "supergraph.graphql"
        path.write_text(composed.supergraph_sdl or "")
        with serve_app(create_app(RouterConfig(supergraph_path=str(path)))) as server:
            yield server.url + "/graphql"


def post(url: str, query: str, accept: str = "application/json") -> httpx.Response:
    response = httpx.post(url, json={"query": query}, headers={"accept": accept}, timeout=10)
    assert response.status_code == 200, response.text
    return response


def answer(url: str, query: str) -> dict[str, Any]:
    result = post(url, query).json()
    assert "errors" not in result, result
    return result


BY_INTERFACE = [{"id": i, "verified": BADGES[i]} for i in ORDER]


def test_interface_field_comes_from_the_interface_object_subgraph(router_url: str) -> None:
    assert answer(router_url, "{ members { id verified } }") == {"data": {"members": BY_INTERFACE}}


def test_typename_beside_it_does_not_move_the_field(router_url: str) -> None:
    result = answer(router_url, "{ members { __typename id verified } }")
    assert result == {"data": {"members": [
        {"__typename": _real(row["id"])["__typename"], **row} for row in BY_INTERFACE
    ]}}


def test_type_conditioned_extra_does_not_move_the_interface_field(router_url: str) -> None:
    result = answer(router_url, "{ members { id verified ... on Staff { role } } }")
    assert result == {"data": {"members": [
        {**row, **({"role": STAFF[row["id"]]["role"]} if row["id"] in STAFF else {})} for row in BY_INTERFACE
    ]}}


def test_type_conditioned_field_is_the_types_own(router_url: str) -> None:
    result = answer(router_url, "{ members { id ... on Staff { verified } } }")
    assert result == {"data": {"members": [
        {"id": i, **({"verified": STAFF[i]["verified"]} if i in STAFF else {})} for i in ORDER
    ]}}


@pytest.mark.parametrize("query", [
    "{ ... @defer { members { id verified } } }",
    "{ members { id ... @defer { verified } } }",
    "{ members { id } ... @defer { members { verified } } }",
])
def test_deferred_answer_merges_into_the_plain_one(router_url: str, query: str) -> None:
    parts = parse_multipart(post(router_url, query, DEFER_ACCEPT))
    assert len(parts) == 2 and parts[0]["hasNext"] is True and parts[-1]["hasNext"] is False
    assert apply(parts) == {"data": {"members": BY_INTERFACE}}
