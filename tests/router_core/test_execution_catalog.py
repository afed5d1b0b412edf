"""Abstract types, @interfaceObject, @override, nested/non-resolvable keys, @requires with arguments."""

from __future__ import annotations

from graphql import parse

from router.execution import ExecutorConfig

from tests.router_core.conftest import Router


async def test_interface_field_with_type_conditions_and_nested_key_jump(catalog_router: Router) -> None:
    result = await catalog_router.run(
        "{ media { id title ... on Book { pages author { bio } } ... on Movie { minutes } } }"
    )
    assert result == {
        "data": {
            "media": [
                {"id": "b1", "title": "Dune", "pages": 412, "author": {"bio": "Wrote Dune"}},
                {"id": "m1", "title": "Alien", "minutes": 117},
                {"id": "b2", "title": "Emma", "pages": 320, "author": None},
            ]
        }
    }
    # Author is keyed by "name org { id }": media only holds a resolvable:false key, people resolves it
    assert catalog_router.subgraphs["people"].entity_calls() == [
        [{"__typename": "Author", "name": "Frank", "org": {"id": "o1"}}]
    ]


async def test_interface_object_fields_without_concrete_types(catalog_router: Router) -> None:
    result = await catalog_router.run("{ topRated { id rating title } }")
    assert result == {
        "data": {"topRated": [{"id": "b1", "rating": 5, "title": "Dune"}, {"id": "m1", "rating": 4, "title": "Alien"}]}
    }
    # the interface-object subgraph only knows "Media"; the representation says so
    assert catalog_router.subgraphs["media"].entity_calls() == [
        [{"__typename": "Media", "id": "b1"}, {"__typename": "Media", "id": "m1"}]
    ]


async def test_interface_object_with_type_conditions_learns_the_real_type(catalog_router: Router) -> None:
    result = await catalog_router.run("{ topRated { __typename ... on Book { pages } rating } }")
    assert result == {
        "data": {"topRated": [{"__typename": "Book", "pages": 412, "rating": 5}, {"__typename": "Movie", "rating": 4}]}
    }


async def test_concrete_type_reaches_interface_object_fields(catalog_router: Router) -> None:
    result = await catalog_router.run('{ book(id: "b2") { title rating } }')
    assert result == {"data": {"book": {"title": "Emma", "rating": 3}}}
    assert catalog_router.subgraphs["ratings"].entity_calls() == [[{"__typename": "Media", "id": "b2"}]]


async def test_override_and_requires_with_arguments_and_nested_fields(catalog_router: Router) -> None:
    result = await catalog_router.run('{ book(id: "b1") { price discount shippingCost blurb } }')
    # price moved to store (@override); discount's override is behind a label that is off
    assert result == {"data": {"book": {"price": 20, "discount": 1, "shippingCost": 15, "blurb": "Dune by Frank (o1)"}}}
    (representations,) = catalog_router.subgraphs["store"].entity_calls()
    assert representations == [
        {
            "__typename": "Book",
            "id": "b1",
            "pages": 412,
            "weight": 1.1,
            "title": "Dune",
            "author": {"name": "Frank", "org": {"id": "o1"}},
        }
    ]


async def test_requires_with_argument_does_not_clash_with_the_client_field(catalog_router: Router) -> None:
    result = await catalog_router.run('{ book(id: "b1") { weight shippingCost w: weight(unit: LB) } }')
    assert result == {"data": {"book": {"weight": 0.5, "shippingCost": 15, "w": 1.1}}}


async def test_active_override_label_moves_the_field(catalog_router: Router) -> None:
    query = '{ book(id: "b1") { discount } }'
    document = parse(query)
    off = catalog_router.planner.plan(document, override_labels=frozenset())
    on = catalog_router.planner.plan(document, override_labels=frozenset({"percent(0)"}))
    assert [f.subgraph for f in off.fetches] == ["media"]
    assert [f.subgraph for f in on.fetches] == ["media", "store"]
    assert catalog_router.planner.override_labels == ["percent(0)"]
    # percent(0) never rolls on
    assert all(not catalog_router.planner.roll_override_labels() for _ in range(20))


async def test_unions_whose_members_differ_between_subgraphs(catalog_router: Router) -> None:
    result = await catalog_router.run(
        """{
          trending { ... on Book { title rating } ... on Podcast { title episodes } }
          search(term: "x") { __typename ... on Author { bio favourite { title } } ... on Movie { rating } }
        }""",
        # two fetches send media the same body; shared when in flight together, so counting
        # calls needs them unshared
        config=ExecutorConfig(dedupe_subgraph_requests=False),
    )
    assert result == {
        "data": {
            "trending": [{"title": "Tech Talk", "episodes": 42}, {"title": "Emma", "rating": 3}],
            "search": [
                {"__typename": "Movie", "rating": 4},
                {"__typename": "Book"},
                {"__typename": "Author", "bio": "Wrote Dune", "favourite": {"title": "Emma"}},
            ],
        }
    }
    # podcasts only holds a resolvable:false key for Book: media resolves it
    assert catalog_router.subgraphs["media"].entity_calls() == [
        [{"__typename": "Book", "id": "b2"}],
        [{"__typename": "Book", "id": "b2"}],
    ]


async def test_requires_with_type_conditions_on_an_abstract_field(catalog_router: Router) -> None:
    result = await catalog_router.run('{ b1: book(id: "b1") { seeAlso } b2: book(id: "b2") { seeAlso title } }')
    assert result == {"data": {"b1": {"seeAlso": "Alien (117 min)"}, "b2": {"seeAlso": "Dune (412 pages)", "title": "Emma"}}}
    calls = catalog_router.subgraphs["store"].entity_calls()  # one per response path (b1, b2)
    # the nested abstract object carries its __typename so the subgraph can read the fragments
    assert sorted((rep for call in calls for rep in call), key=lambda r: r["id"]) == [
        {"__typename": "Book", "id": "b1", "related": {"__typename": "Movie", "title": "Alien", "minutes": 117}},
        {"__typename": "Book", "id": "b2", "related": {"__typename": "Book", "title": "Dune", "pages": 412}},
    ]
