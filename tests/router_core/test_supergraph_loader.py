"""load_supergraph over composed (join v0.4) and hand-written (join v0.1) supergraphs."""

from __future__ import annotations

import pytest
from graphql import GraphQLEnumType, GraphQLObjectType, parse, validate

from router.supergraph import SupergraphError, load_supergraph
from tests.router_core.fixtures import supergraph_sdl


@pytest.fixture(scope="module")
def shop():
    return load_supergraph(supergraph_sdl("shop"))


@pytest.fixture(scope="module")
def fed1():
    return load_supergraph(supergraph_sdl("fed1"))


def test_subgraphs_in_join_graph_order(shop):
    assert [(s.name, s.enum_value) for s in shop.subgraphs.values()] == [
        ("accounts", "ACCOUNTS"),
        ("inventory", "INVENTORY"),
        ("products", "PRODUCTS"),
        ("reviews", "REVIEWS"),
    ]
    assert shop.subgraphs["products"].url == "http://products.invalid/graphql"
    assert shop.join_version == (0, 4) and not shop.is_fed1


def test_subgraph_urls_can_be_overridden(shop):
    moved = shop.with_subgraph_urls({"products": "http://127.0.0.1:9/graphql"})
    assert moved.subgraphs["products"].url == "http://127.0.0.1:9/graphql"
    assert moved.subgraphs["reviews"].url == shop.subgraphs["reviews"].url
    assert shop.subgraphs["products"].url == "http://products.invalid/graphql"
    with pytest.raises(SupergraphError, match="nope"):
        shop.with_subgraph_urls({"nope": "http://x"})


def test_api_schema_hides_machinery_and_inaccessible(shop):
    sdl = shop.api_schema_sdl()
    for hidden in ("join__", "link__", "@link", "@inaccessible", "@tag", "@authenticated",
                   "@requiresScopes", "@policy", "internalCode", "SECRET"):
        assert hidden not in sdl, hidden
    user = shop.api_schema.type_map["User"]
    assert isinstance(user, GraphQLObjectType)
    assert set(user.fields) == {"id", "name", "username", "email", "ssn", "reviews"}
    category = shop.api_schema.type_map["Category"]
    assert isinstance(category, GraphQLEnumType) and list(category.values) == ["BOOK", "GAME"]
    # the whole supergraph still knows the hidden elements (keys and requires may use them)
    assert "internalCode" in shop.schema.type_map["User"].fields  # type: ignore[union-attr]
    assert ("User", "internalCode") in shop.inaccessible_fields
    assert shop.api_schema_sdl() == shop.api_schema_sdl()


def test_api_schema_validates_operations(shop):
    ok = parse("{ users { id name reviews { body product { name shippingEstimate } } } }")
    assert validate(shop.api_schema, ok) == []
    hidden = parse("{ users { internalCode } }")
    assert [e.message for e in validate(shop.api_schema, hidden)] == [
        "Cannot query field 'internalCode' on type 'User'."
    ]


def test_authorization_metadata(shop):
    auth = shop.authorization
    assert auth.field("Query", "me").authenticated
    assert not auth.field("Query", "users").authenticated
    assert auth.field("User", "email").requires_scopes == (("read:email",), ("admin",))
    assert auth.field("User", "ssn").policies == (("pii",),)
    assert auth.type("User").is_empty


def test_placements_keys_requires_provides(shop):
    product = shop.types["Product"]
    assert list(product.placements) == ["inventory", "products", "reviews"]
    assert [k.fields for k in product.placements["products"].keys] == ["upc", "sku"]
    inventory = product.placements["inventory"]
    assert inventory.fields["price"].external and inventory.fields["weight"].external
    assert inventory.fields["shippingEstimate"].requires_text == "price weight"
    assert not inventory.fields["inStock"].external
    author = shop.types["Review"].placements["reviews"].fields["author"]
    assert author.provides_text == "username"
    assert shop.types["User"].placements["reviews"].fields["username"].external
    assert "username" in shop.types["User"].placements["accounts"].fields
    assert set(shop.types["Query"].placements["products"].fields) == {"products", "product"}


def test_fed1_supergraph_implies_key_requires_and_provides_fields(fed1):
    assert fed1.is_fed1 and fed1.join_version == (0, 1)
    book = fed1.types["Book"]
    library_book = book.placements["library"]
    assert not library_book.fields["isbn"].external  # key field: resolvable there
    assert library_book.fields["title"].external and library_book.fields["year"].external
    assert library_book.fields["label"].requires_text == "title year"
    assert set(book.placements["books"].fields) == {"isbn", "title", "year", "details"}
    # value types carry no join directives: every subgraph may return them
    assert set(fed1.types["BookDetails"].placements) == {"books", "library"}
    assert "core__Purpose" not in fed1.api_schema.type_map
    assert "Library" in fed1.api_schema.type_map


def test_renamed_and_imported_specs():
    sdl = supergraph_sdl("shop")
    sdl = sdl.replace(
        '@link(url: "https://specs.apollo.dev/inaccessible/v0.2", for: SECURITY)',
        '@link(url: "https://specs.apollo.dev/inaccessible/v0.2", as: "hidden", for: SECURITY)',
    ).replace("@inaccessible", "@hidden")
    sdl = sdl.replace(
        '@link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)',
        '@link(url: "https://specs.apollo.dev/requiresScopes/v0.1", import: [{name: "@requiresScopes", as: "@scopes"}], for: SECURITY)',
    ).replace("@requiresScopes(", "@scopes(").replace("directive @requiresScopes", "directive @scopes")
    sdl = sdl.replace('@link(url: "https://specs.apollo.dev/join/v0.4", for: EXECUTION)',
                      '@link(url: "https://specs.apollo.dev/join/v0.4", as: "j", for: EXECUTION)')
    sdl = sdl.replace("join__", "j__")
    graph = load_supergraph(sdl)
    assert "internalCode" not in graph.api_schema_sdl()
    assert "@hidden" not in graph.api_schema_sdl() and "j__" not in graph.api_schema_sdl()
    assert graph.authorization.field("User", "email").requires_scopes == (("read:email",), ("admin",))
    assert list(graph.types["Product"].placements) == ["inventory", "products", "reviews"]


@pytest.mark.parametrize(
    ("sdl", "message"),
    [
        ("", "empty"),
        ("type Query {", "does not parse"),
        ("type Query { a: Int }", "not a supergraph"),
        ('schema @link(url: "https://specs.apollo.dev/link/v1.0") { query: Query }\n'
         "directive @link(url: String) repeatable on SCHEMA\ntype Query { a: Int }", "join"),
    ],
)
def test_bad_input_raises_clear_errors(sdl, message):
    with pytest.raises(SupergraphError, match=message):
        load_supergraph(sdl)


def test_unknown_graph_in_join_directive_is_reported():
    sdl = supergraph_sdl("shop").replace("@join__field(graph: INVENTORY, requires:", "@join__field(graph: NOWHERE, requires:")
    with pytest.raises(SupergraphError, match="NOWHERE"):
        load_supergraph(sdl)
