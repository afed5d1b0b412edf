"""The supergraph normaliser must ignore ordering but catch real differences."""

from tests.composition.normalize import supergraph_differences

BASE = '''schema @link(url: "https://specs.apollo.dev/link/v1.0") { query: Query }
directive @join__type(graph: String!, key: String, extension: Boolean! = false) repeatable on OBJECT
type Query @join__type(graph: "A") @join__type(graph: "B") { a: Int b(x: Int = 1): String }
type T @join__type(graph: "A", key: "id") { id: ID! }
'''


def test_ordering_and_default_arguments_are_ignored() -> None:
    reordered = '''type T @join__type(key: "id", graph: "A", extension: false) { id: ID! }
type Query @join__type(graph: "B") @join__type(graph: "A") { b(x: Int = 1): String a: Int }
directive @join__type(graph: String!, key: String, extension: Boolean! = false) repeatable on OBJECT
schema @link(url: "https://specs.apollo.dev/link/v1.0") { query: Query }
'''
    assert supergraph_differences(BASE, reordered) == []


def test_missing_directive_field_and_default_changes_are_reported() -> None:
    changed = BASE.replace('@join__type(graph: "B") ', "").replace("= 1", "= 2").replace("a: Int ", "")
    problems = supergraph_differences(BASE, changed)
    assert any("object Query.directives" in p for p in problems)
    assert any("fields" in p and "a" in p for p in problems)
    assert any("default" in p for p in problems)
