"""Operation normalisation: fragments inlined, conditions folded, fields merged, types split."""

from __future__ import annotations

import pytest
from graphql import parse

from router.planning import PlanningError
from router.planning.normalize import condition_variables, normalize
from router.planning.operation import Field, Selection
from router.supergraph import load_supergraph
from tests.router_core.fixtures import supergraph_sdl


@pytest.fixture(scope="module")
def catalog():
    return load_supergraph(supergraph_sdl("catalog"))


def keys(fields: tuple[Field, ...]) -> list[str]:
    return [f.response_key for f in fields]


def child(fields: tuple[Field, ...], key: str) -> Selection:
    found = next(f for f in fields if f.response_key == key)
    assert found.selection is not None
    return found.selection


def test_fragments_are_inlined_and_fields_merged(catalog) -> None:
    op = normalize(
        catalog.schema,
        parse(
            """
            query Q { book(id: "b1") { ...A title ... on Book { author { name } } author { org { id } } } }
            fragment A on Book { id title }
            """
        ),
    )
    assert op.kind == "query" and op.name == "Q"
    root = op.selection.fields_for("Query")
    book = child(root, "book")
    assert keys(book.fields_for("Book")) == ["id", "title", "author"]
    author = child(book.fields_for("Book"), "author")
    assert keys(author.fields_for("Author")) == ["name", "org"]


def test_abstract_selections_are_split_per_runtime_type(catalog) -> None:
    op = normalize(catalog.schema, parse("{ media { id ... on Book { pages } ... on Movie { minutes } } }"))
    media = child(op.selection.fields_for("Query"), "media")
    assert media.types == ("Book", "Movie")
    assert keys(media.fields_for("Book")) == ["id", "pages"]
    assert keys(media.fields_for("Movie")) == ["id", "minutes"]
    assert media.common is None
    same = child(normalize(catalog.schema, parse("{ media { id title } }")).selection.fields_for("Query"), "media")
    assert same.common is not None and keys(same.common) == ["id", "title"]


def test_skip_and_include_fold_constants_and_variable_values(catalog) -> None:
    document = parse(
        """
        query ($a: Boolean!, $b: Boolean = true) {
          book(id: "b1") { id @skip(if: true) title @include(if: $a) pages @skip(if: $b) ...F @include(if: $b) }
        }
        fragment F on Book { price }
        """
    )
    assert condition_variables(document, None) == ("a", "b")
    on = normalize(catalog.schema, document, None, {"a": True})
    assert keys(child(on.selection.fields_for("Query"), "book").fields_for("Book")) == ["title", "price"]
    off = normalize(catalog.schema, document, None, {"a": False, "b": False})
    assert keys(child(off.selection.fields_for("Query"), "book").fields_for("Book")) == ["pages"]


def test_arguments_and_variables_are_kept_for_subgraphs(catalog) -> None:
    op = normalize(catalog.schema, parse('query ($u: WeightUnit) { book(id: "b1") { w: weight(unit: $u) } }'))
    (weight,) = child(op.selection.fields_for("Query"), "book").fields_for("Book")
    assert (weight.response_key, weight.name, weight.arguments, weight.variables) == ("w", "weight", "(unit: $u)", ("u",))


def test_operation_selection_errors(catalog) -> None:
    document = parse("query A { media { id } } query B { media { title } }")
    with pytest.raises(PlanningError, match="Must provide operation name"):
        normalize(catalog.schema, document)
    with pytest.raises(PlanningError, match='Unknown operation named "C"'):
        normalize(catalog.schema, document, "C")
    assert normalize(catalog.schema, document, "B").name == "B"
