"""Units of ``@defer``: the planned documents and the cutting of payloads (type conditions on
abstract types, null parents, errors), on hand-written answers."""

from __future__ import annotations

from typing import Any

from graphql import FragmentDefinitionNode, OperationDefinitionNode, build_schema, parse, print_ast

from router.gateway.defer_documents import TYPENAME_ALIAS, deferred_fragments, full_document, primary_document
from router.gateway.defer_results import Splitter

SCHEMA = build_schema("""
  directive @defer(label: String, if: Boolean! = true) on FRAGMENT_SPREAD | INLINE_FRAGMENT
  interface Media { id: ID! title: String }
  type Book implements Media { id: ID! title: String pages: Int! author: Person }
  type Movie implements Media { id: ID! title: String minutes: Int }
  type Person { name: String }
  type Query { media: [Media] first: Media }
""")
T = TYPENAME_ALIAS


def split(query: str, full: dict[str, Any], delivered: Any, variables: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    splitter = Splitter(SCHEMA, fragments, variables or {})
    payloads, _ = splitter.incremental(deferred_fragments(document, operation, variables or {}), full, delivered, [])
    return payloads


def test_primary_document_drops_deferred_fragments_and_keeps_selection_sets_valid() -> None:
    document = parse("query Q($d: Boolean!) { first { ... @defer { title } ... @defer(if: $d) { id } } }")
    assert print_ast(primary_document(document, {"d": False})).split() == (
        f"query Q($d: Boolean!) {{ first {{ ... @defer(if: $d) {{ id }} }} }}"
    ).split()
    assert print_ast(primary_document(document, {"d": True})).split() == (
        f"query Q($d: Boolean!) {{ first {{ {T}: __typename }} }}"
    ).split()
    assert print_ast(full_document(document)).split() == (
        f"query Q($d: Boolean!) {{ first {{ {T}: __typename ... {{ title }} ... {{ id }} }} }}"
    ).split()


def test_type_conditions_on_an_abstract_list_pick_the_matching_items() -> None:
    full = {"media": [
        {T: "Book", "id": "b1", "title": "Dune", "pages": 412},
        {T: "Movie", "id": "m1", "title": "Alien"},
        {T: "Book", "id": "b2", "title": "Emma", "pages": 300},
    ]}
    delivered = {"media": [{"id": "b1"}, {"id": "m1"}, {"id": "b2"}]}
    payloads = split("{ media { id ... on Book @defer(label: \"b\") { pages } ... @defer { title } } }", {"data": full}, delivered)
    assert payloads == [
        {"incremental": [
            {"data": {"pages": 412}, "path": ["media", 0], "label": "b"},
            {"data": {"pages": 300}, "path": ["media", 2], "label": "b"},
        ], "hasNext": True},
        {"incremental": [
            {"data": {"title": "Dune"}, "path": ["media", 0]},
            {"data": {"title": "Alien"}, "path": ["media", 1]},
            {"data": {"title": "Emma"}, "path": ["media", 2]},
        ], "hasNext": False},
    ]


def test_fields_of_other_types_inside_a_deferred_fragment_are_left_out() -> None:
    full = {"first": {T: "Movie", "id": "m1", "minutes": 117, "title": "Alien"}}
    payloads = split(
        "{ first { id ... @defer { ... on Book { pages } ... on Movie { minutes } ...T } } } fragment T on Media { title }",
        {"data": full}, {"first": {"id": "m1"}},
    )
    assert payloads == [{"incremental": [{"data": {"minutes": 117, "title": "Alien"}, "path": ["first"]}], "hasNext": False}]


def test_null_parents_get_no_entry_and_skip_include_apply_inside() -> None:
    full = {"media": [{T: "Book", "id": "b1", "author": None}, None, {T: "Book", "id": "b2", "author": {T: "Person", "name": "Jane"}}]}
    delivered = {"media": [{"id": "b1", "author": None}, None, {"id": "b2", "author": {}}]}
    query = (
        "query Q($no: Boolean!) { media { id ... on Book { author { ... @defer { name skipped: name @skip(if: $no) } } } } }"
    )
    assert split(query, {"data": full}, delivered, {"no": True}) == [
        {"incremental": [{"data": {"name": "Jane"}, "path": ["media", 2, "author"]}], "hasNext": False}
    ]


def test_errors_follow_their_entry_and_propagated_nulls_end_up_in_the_last_payload() -> None:
    full = {
        "data": {"media": [{T: "Book", "id": "b1", "title": None}, None]},
        "errors": [
            {"message": "title failed", "path": ["media", 0, "title"]},
            {"message": "pages failed", "path": ["media", 1, "pages"]},  # non-null: nulled the whole item
        ],
    }
    delivered = {"media": [{"id": "b1"}, {"id": "b2"}]}
    payloads = split("{ media { id ... @defer { title ... on Book { pages } } } }", full, delivered)
    assert payloads == [{
        "incremental": [{"data": {"title": None}, "path": ["media", 0], "errors": [full["errors"][0]]}],
        "hasNext": False,
        "errors": [full["errors"][1]],
    }]


def test_nothing_deferred_into_delivered_objects_is_a_lone_final_payload() -> None:
    assert split("{ first { ... @defer { id } } }", {"data": {"first": None}}, {"first": None}) == [{"hasNext": False}]


async def test_deferred_operations_are_planned_once_per_defer_condition(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    from router.auth import ANONYMOUS, Authenticator
    from router.config import RouterConfig
    from router.gateway.engine import FederatedEngine
    from router.gateway.pipeline import Gateway
    from router.gateway.request import GraphQLRequest
    from router.planning import QueryPlanner
    from router.supergraph import load_supergraph

    planned: list[str] = []
    real_plan = QueryPlanner.plan

    def counting_plan(self: QueryPlanner, document: Any, *args: Any, **kwargs: Any) -> Any:
        planned.append(print_ast(document))
        return real_plan(self, document, *args, **kwargs)

    monkeypatch.setattr(QueryPlanner, "plan", counting_plan)
    sdl = (Path(__file__).with_name("fixtures") / "supergraph.graphql").read_text()
    config = RouterConfig()
    engine = FederatedEngine(load_supergraph(sdl), config)
    gateway = Gateway(engine, config, Authenticator(config.auth))
    query = "query Q($d: Boolean!) { users { id ... @defer(if: $d) { name } ... @defer { reviews { id } } } }"
    try:
        for d in (True, True, False, False, True):
            prepared, variables = gateway.prepare(GraphQLRequest(query, None, {"d": d}), method="POST")
            assert gateway.deferred(prepared, variables)
            stream = gateway.incremental(prepared, variables, ANONYMOUS, {})
            await stream.aclose()  # type: ignore[attr-defined]
    finally:
        await engine.aclose()
    # the full operation once, the primary once per value of $d
    assert len(planned) == 3
    assert sum("name" not in text and "reviews" not in text for text in planned) == 1  # primary, d=true
    assert sum("name" in text and "reviews" not in text for text in planned) == 1  # primary, d=false


def test_defer_use_is_found_with_the_prepared_operation_and_absent_without_defer() -> None:
    from router.config import Limits
    from router.gateway.documents import DocumentStore

    store = DocumentStore(SCHEMA, Limits())
    assert store.operation("{ first { id ... on Book { pages } } }", None).defer is None
    use = store.operation(
        "query Q($d: Boolean!, $s: Boolean!) { first { ...F @defer(if: $d) title @skip(if: $s) } }"
        " fragment F on Book { pages }", "Q"
    ).defer
    assert use is not None
    assert (use.defer_variables, use.condition_variables, list(use.fragments)) == (("d",), ("s",), ["F"])
