"""Regressions found by the differential fuzzer (tests/differential, scripts/fuzz_router.py).

Each test is the smallest graph and operation that showed a wrong answer, with the
expected answer worked out by hand from the federation and GraphQL specs. Subgraphs are
written inline, composed with our composer and served over real HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from router.composition.compose import SubgraphInput, compose
from router.planning import QueryPlanner
from router.supergraph import load_supergraph
from tests.router_core.conftest import Router
from tests.router_core.subgraph_kit import Subgraph, serve_subgraphs

FED = '''extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: [{imports}])\n'''


def fed2(imports: str, sdl: str) -> str:
    return FED.format(imports=", ".join(f'"@{d}"' for d in imports.split())) + sdl


@contextmanager
def federated(*subgraphs: Subgraph) -> Iterator[Router]:
    with serve_subgraphs(*subgraphs) as urls:
        result = compose([SubgraphInput(s.name, urls[s.name], s.sdl) for s in subgraphs])
        assert result.ok, [str(e) for e in result.errors]
        assert result.supergraph_sdl is not None
        supergraph = load_supergraph(result.supergraph_sdl)
        yield Router(supergraph, QueryPlanner(supergraph), {s.name: s for s in subgraphs})


def _node(rep: dict[str, Any]) -> dict[str, Any]:
    return {"__typename": "Book" if rep["id"].startswith("b") else "Film", "id": rep["id"]}


def _home(
    book: str = "",
    film: str = "",
    others: tuple[str, ...] = (),
    resolvers: dict[str, Any] | None = None,
    reference: Any = _node,
) -> Subgraph:
    """The subgraph owning interface Node and its types (Book, Film, ``others``), keyed by id;
    ``book``/``film``: more fields of those types."""
    types = "".join(f'type {name} implements Node @key(fields: "id") {{ id: ID! }}\n' for name in others)
    sdl = f"""
        interface Node @key(fields: "id") {{ id: ID! }}
        type Book implements Node @key(fields: "id") {{ id: ID! {book} }}
        type Film implements Node @key(fields: "id") {{ id: ID! {film} }}
        {types}"""
    return Subgraph("home", fed2("key", sdl), resolvers=resolvers or {}, references={"Node": reference})


async def test_same_response_key_with_other_arguments_on_types_sent_as_one_interface_object() -> None:
    # Book and Film objects both go to `extra` as `Node` representations; asking `label`
    # with different arguments per type must not share one selection (it used to fail
    # planning: "response key 'label' used for two different fields in one fetch").
    home = _home()
    extra = Subgraph(
        "extra",
        fed2("key interfaceObject", """
        type Node @key(fields: "id") @interfaceObject { id: ID! label(lang: String): String }
        type Query { nodes: [Node!]! }
        """),
        resolvers={
            "Query": {"nodes": lambda *_: [{"__typename": "Node", "id": "b1"}, {"__typename": "Node", "id": "f1"}]},
            "Node": {"label": lambda obj, _info, lang=None: f"{obj['id']}-{lang or 'default'}"},
        },
    )
    with federated(home, extra) as router:
        result = await router.run('{ nodes { ... on Book { label(lang: "fr") } ... on Film { label } } }')
    assert result == {"data": {"nodes": [{"label": "b1-fr"}, {"label": "f1-default"}]}}


def _fail(*_args: Any, **_kwargs: Any) -> Any:
    raise ValueError("price service down")


async def test_one_error_when_a_subgraph_nulls_an_object_for_one_failed_field() -> None:
    # `two` fails Thing.price (non-null), so it answers `_entities: [null]`: `label` is
    # missing too, because of that same error. The answer must carry that one error, not a
    # second "Cannot return null for non-nullable field Thing.label" blaming a healthy field.
    one = Subgraph(
        "one",
        fed2("key", """
        type Thing @key(fields: "id") { id: ID! }
        type Query { thing: Thing }
        """),
        resolvers={"Query": {"thing": lambda *_: {"__typename": "Thing", "id": "t1"}}},
    )
    two = Subgraph(
        "two",
        fed2("key", """
        type Thing @key(fields: "id") { id: ID! label: String! price: Int! }
        """),
        resolvers={"Thing": {"label": lambda obj, _info: f"thing {obj['id']}", "price": _fail}},
    )
    with federated(one, two) as router:
        result = await router.run("{ thing { id label price } }")
    assert result["data"] == {"thing": None}
    assert [e["path"] for e in result["errors"]] == [["thing", "price"]]
    assert result["errors"][0]["message"] == "price service down"


async def test_object_whose_real_type_never_arrived_is_null_not_empty() -> None:
    # `extra` only knows Node as an @interfaceObject; the fetch to `home` that tells each
    # object's type (and selects Film.rating) fails for this object, so its type stays unknown.
    # It must not come out as `{}` (no type-specific fields, no null propagation): it is a
    # null, propagated like any other.
    home = _home(book="pages: Int", film="rating: Int!", resolvers={"Film": {"rating": _fail}})
    extra = Subgraph(
        "extra",
        fed2("key interfaceObject", """
        type Node @key(fields: "id") @interfaceObject { id: ID! }
        type Query { node: Node! maybe: Node }
        """),
        resolvers={"Query": {
            "node": lambda *_: {"__typename": "Node", "id": "f1"},
            "maybe": lambda *_: {"__typename": "Node", "id": "f1"},
        }},
    )
    with federated(home, extra) as router:
        required = await router.run("{ node { ... on Book { pages } ... on Film { rating } } }")
        optional = await router.run("{ maybe { ... on Book { pages } ... on Film { rating } } }")
    assert required["data"] is None
    assert [e["path"] for e in required["errors"]] == [["node", "rating"]]
    assert optional["data"] == {"maybe": None}
    assert [e["path"] for e in optional["errors"]] == [["maybe", "rating"]]


async def test_key_needed_to_learn_the_real_type_does_not_clash_with_a_client_alias() -> None:
    # `id: label` takes the response key the key field `id` would use in the same fetch from
    # `extra` (needed to ask `home` for each object's type); it used to fail planning.
    home = _home(book="pages: Int", resolvers={"Book": {"pages": lambda *_: 320}})
    extra = Subgraph(
        "extra",
        fed2("key interfaceObject", """
        type Node @key(fields: "id") @interfaceObject { id: ID! label: String }
        type Query { node: Node }
        """),
        resolvers={
            "Query": {"node": lambda *_: {"__typename": "Node", "id": "b1"}},
            "Node": {"label": lambda obj, _info: f"label of {obj['id']}"},
        },
    )
    with federated(home, extra) as router:
        result = await router.run("{ node { id: label __typename ... on Book { pages } } }")
    assert result == {"data": {"node": {"id": "label of b1", "__typename": "Book", "pages": 320}}}


async def test_keys_selected_after_learning_the_real_type_keep_clear_of_client_aliases() -> None:
    # `id: label` is served by `extra` before the jump to `home` (to learn the type); the
    # jump on to `more` needs the key `id` selected in `home`'s answer, which lands in the
    # same object: it used to be selected unaliased and overwrote the client's `id`.
    home = _home(book="pages: Int", resolvers={"Book": {"pages": lambda *_: 320}})
    extra = Subgraph(
        "extra",
        fed2("key interfaceObject", """
        type Node @key(fields: "id") @interfaceObject { id: ID! label: String }
        type Query { node: Node }
        """),
        resolvers={
            "Query": {"node": lambda *_: {"__typename": "Node", "id": "b1"}},
            "Node": {"label": lambda obj, _info: f"label of {obj['id']}"},
        },
    )
    more = Subgraph(
        "more",
        fed2("key interfaceObject", """
        type Node @key(fields: "id") @interfaceObject { id: ID! rank: Int }
        """),
        resolvers={"Node": {"rank": lambda *_: 7}},
    )
    with federated(home, extra, more) as router:
        result = await router.run("{ node { id: label ... on Book { pages rank } } }")
    assert result == {"data": {"node": {"id": "label of b1", "pages": 320, "rank": 7}}}


async def test_conflicting_shapes_in_fragments_nested_in_the_sent_type_fragment_get_aliases() -> None:
    # `home` is asked `... on Node { ... on Book { id: title } ... on Film { id } }` (Film's
    # key, for the jump to `more`): `id` is String there and ID! here, which GraphQL
    # forbids in one selection; the nested fragments were never checked for such clashes.
    home = _home(book="title: String", resolvers={"Book": {"title": lambda obj, _info: f"title of {obj['id']}"}})
    extra = Subgraph(
        "extra",
        fed2("key interfaceObject", """
        type Node @key(fields: "id") @interfaceObject { id: ID! }
        type Query { nodes: [Node!]! }
        """),
        resolvers={"Query": {"nodes": lambda *_: [{"__typename": "Node", "id": "b1"}, {"__typename": "Node", "id": "f1"}]}},
    )
    more = Subgraph(
        "more",
        fed2("key interfaceObject", """
        type Node @key(fields: "id") @interfaceObject { id: ID! rank: Int }
        """),
        resolvers={"Node": {"rank": lambda obj, _info: len(obj["id"]) + (1 if obj["id"] == "f1" else 0)}},
    )
    with federated(home, extra, more) as router:
        result = await router.run("{ nodes { ... on Book { id: title } ... on Film { rank } } }")
    assert result == {"data": {"nodes": [{"id": "title of b1"}, {"rank": 3}]}}


def _score(obj: dict[str, Any], _info: Any) -> int:
    if obj["id"].startswith("f"):
        raise ValueError("films have no score")
    return 5


async def test_objects_sent_as_one_interface_object_type_are_only_asked_their_own_fields() -> None:
    # Only books select `score`; films must not be sent to `more` for it (they used to be,
    # in one shared `... on Node { score label }` selection, and the film's failure came
    # back as an error at a path the client never selected).
    home = _home()
    extra = Subgraph(
        "extra",
        fed2("key interfaceObject", """
        type Node @key(fields: "id") @interfaceObject { id: ID! }
        type Query { nodes: [Node!]! }
        """),
        resolvers={"Query": {"nodes": lambda *_: [{"__typename": "Node", "id": "b1"}, {"__typename": "Node", "id": "f1"}]}},
    )
    more = Subgraph(
        "more",
        fed2("key interfaceObject", """
        type Node @key(fields: "id") @interfaceObject { id: ID! score: Int label: String }
        """),
        resolvers={"Node": {"score": _score, "label": lambda obj, _info: f"label of {obj['id']}"}},
    )
    with federated(home, extra, more) as router:
        result = await router.run("{ nodes { ... on Book { score } ... on Film { label } } }")
        calls = more.entity_calls()
    assert result == {"data": {"nodes": [{"score": 5}, {"label": "label of f1"}]}}
    assert sorted(rep["id"] for call in calls for rep in call) == ["b1", "f1"]  # each object once


async def test_identical_fetches_at_one_path_sent_as_one_call_send_every_type(monkeypatch: Any) -> None:
    # Without sibling merging, Book and Film objects get two fetches to `more` with the same
    # text at the same path; the executor sends them as one call (schedule.py), which must
    # carry the representations of both types, not only the first fetch's. (Show selects
    # nothing: were every type to select `label`, it would be planned once on the interface.)
    import router.planning.planner as planner_module

    monkeypatch.setattr(planner_module, "merge_siblings", lambda steps: steps)
    home = _home(others=("Show",))
    extra = Subgraph(
        "extra",
        fed2("key interfaceObject", """
        type Node @key(fields: "id") @interfaceObject { id: ID! }
        type Query { nodes: [Node!]! }
        """),
        resolvers={"Query": {"nodes": lambda *_: [{"__typename": "Node", "id": "b1"}, {"__typename": "Node", "id": "f1"}]}},
    )
    more = Subgraph(
        "more",
        fed2("key interfaceObject", """
        type Node @key(fields: "id") @interfaceObject { id: ID! label: String }
        """),
        resolvers={"Node": {"label": lambda obj, _info: f"label of {obj['id']}"}},
    )
    with federated(home, extra, more) as router:
        query = "{ nodes { __typename ... on Book { label } ... on Film { label } } }"
        plan = router.plan(query)
        assert sum(1 for f in plan.fetches if f.subgraph == "more") == 2
        result = await router.run(query)
    assert result == {"data": {"nodes": [
        {"__typename": "Book", "label": "label of b1"}, {"__typename": "Film", "label": "label of f1"},
    ]}}


async def test_per_type_fetches_with_identical_selections_merge_whichever_comes_first() -> None:
    # Book selects more than Film and Show: Film's and Show's fetches to `more` are identical
    # and merge into one, even though the first (Book's) merges with neither. (Clip selects
    # nothing: were every type to select `label`, it would be planned once on the interface.)
    kinds = {"b": "Book", "f": "Film", "s": "Show"}
    home = _home(others=("Show", "Clip"), reference=lambda rep: {"__typename": kinds[rep["id"][0]], "id": rep["id"]})
    extra = Subgraph(
        "extra",
        fed2("key interfaceObject", """
        type Node @key(fields: "id") @interfaceObject { id: ID! }
        type Query { nodes: [Node!]! }
        """),
        resolvers={"Query": {"nodes": lambda *_: [{"__typename": "Node", "id": i} for i in ("b1", "f1", "s1")]}},
    )
    more = Subgraph(
        "more",
        fed2("key interfaceObject", """
        type Node @key(fields: "id") @interfaceObject { id: ID! label: String rank: Int }
        """),
        resolvers={"Node": {"label": lambda obj, _info: f"label of {obj['id']}", "rank": lambda *_: 1}},
    )
    query = "{ nodes { __typename ... on Book { label rank } ... on Film { label } ... on Show { label } } }"
    with federated(home, extra, more) as router:
        plan = router.plan(query)
        result = await router.run(query)
    assert sum(1 for f in plan.fetches if f.subgraph == "more") == 2
    assert result == {"data": {"nodes": [
        {"__typename": "Book", "label": "label of b1", "rank": 1},
        {"__typename": "Film", "label": "label of f1"},
        {"__typename": "Show", "label": "label of s1"},
    ]}}


async def test_keys_below_a_requirement_keep_clear_of_the_clients_aliases_on_the_same_objects() -> None:
    # `cost` requires `items { weight }`, fetched beside the client's `items { sku: label }`
    # (one `items` in one fetch); jumping from those items to `catalog` for `weight` needs the
    # key `sku`, whose response key the client already took. It used to fail planning.
    shop = Subgraph(
        "shop",
        fed2("key", """
        type Order @key(fields: "id") { id: ID! items: [Item!]! }
        type Item @key(fields: "sku") { sku: String! label: String }
        type Query { order: Order }
        """),
        resolvers={
            "Query": {"order": lambda *_: {"__typename": "Order", "id": "o1"}},
            "Order": {"items": lambda *_: [{"__typename": "Item", "sku": "ab"}, {"__typename": "Item", "sku": "abc"}]},
            "Item": {"label": lambda obj, _info: obj["sku"].upper()},
        },
    )
    catalog = Subgraph(
        "catalog",
        fed2("key", """
        type Item @key(fields: "sku") { sku: String! weight: Int }
        """),
        resolvers={"Item": {"weight": lambda obj, _info: 10 * len(obj["sku"])}},
    )
    shipping = Subgraph(
        "shipping",
        fed2("key external requires", """
        type Order @key(fields: "id") { id: ID! items: [Item!]! @external cost: Int @requires(fields: "items { weight }") }
        type Item @key(fields: "sku", resolvable: false) { sku: String! weight: Int @external }
        """),
        resolvers={"Order": {"cost": lambda obj, _info: sum(item["weight"] for item in obj["items"])}},
    )
    with federated(shop, catalog, shipping) as router:
        before = await router.run("{ order { items { sku: label } cost } }")
        after = await router.run("{ order { cost items { sku: label } } }")
    assert before == {"data": {"order": {"items": [{"sku": "AB"}, {"sku": "ABC"}], "cost": 50}}}
    assert after == {"data": {"order": {"cost": 50, "items": [{"sku": "AB"}, {"sku": "ABC"}]}}}
