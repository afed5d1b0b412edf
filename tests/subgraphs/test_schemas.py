"""Each subgraph's committed SDL is what its code serves, has the agreed federation
shape, and the four compose cleanly with Apollo's composer (the dev-only oracle)."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from graphql import build_ast_schema, parse

from subgraphs.common.sdl import service_sdl

ROOT = Path(__file__).resolve().parents[2]
OURS = ("orders", "notifications", "recommendations")


def committed(name: str) -> str:
    return (ROOT / "subgraphs" / name / "schema.graphql").read_text()


def type_block(sdl: str, header: str) -> str:
    assert header in sdl, f"{header!r} not in SDL"
    return sdl.split(header, 1)[1].split("\n}", 1)[0]


@pytest.mark.parametrize("name", OURS)
def test_committed_sdl_matches_the_code(name: str) -> None:
    schema = importlib.import_module(f"subgraphs.{name}.schema").schema
    assert service_sdl(schema) == committed(name), f"run: python -m subgraphs.common.export_sdl {name}"


@pytest.mark.parametrize(("name", "field"), [("orders", "orders"), ("notifications", "notifications"), ("recommendations", "recommendations")])
def test_user_is_extended_fed2_style_with_an_integer_key(name: str, field: str) -> None:
    sdl = committed(name)
    assert "extend type User" not in sdl and "@external" not in sdl
    user = type_block(sdl, 'type User @key(fields: "id") {')
    assert "id: Int!" in user
    assert f"\n  {field}(" in user and "@authenticated" in user.split(f"\n  {field}(", 1)[1].split("\n")[0]


def test_product_is_owned_by_orders_and_only_referenced_by_recommendations() -> None:
    orders = type_block(committed("orders"), 'type Product @key(fields: "id") {')
    assert all(f"  {field}:" in orders for field in ("id", "name", "category", "price"))
    stub = type_block(committed("recommendations"), 'type Product @key(fields: "id", resolvable: false) {')
    assert stub.strip() == "id: Int!"


def test_public_api_shapes_of_the_original_design() -> None:
    orders = committed("orders")
    assert "placeOrder(orderInput: OrderInput!): Order! @authenticated" in orders
    order_input = type_block(orders, "input OrderInput {")
    assert "userId: Int" in order_input and "items: [OrderItemInput!]" in order_input
    assert all(f"  {f}:" in type_block(orders, "\ntype Order {") for f in ("id", "userId", "status", "createdAt", "updatedAt"))
    notifications = committed("notifications")
    notification = type_block(notifications, "\ntype Notification {")
    assert [line.split(":")[0].strip() for line in notification.strip().splitlines()] == [
        "id", "userId", "type", "content", "sentAt", "read",
    ]
    assert "markNotificationRead(notificationId: Int!): Notification! @authenticated" in notifications
    assert 'sendPromotion(promotionInput: PromotionInput!): Promotion! @requiresScopes(scopes: [["admin"]])' in notifications
    recommendation = type_block(committed("recommendations"), "\ntype Recommendation {")
    assert all(f"  {f}:" in recommendation for f in ("id", "userId", "productId", "reason", "product"))


@pytest.mark.parametrize("name", OURS)
def test_sdl_is_a_valid_graphql_schema(name: str) -> None:
    # Federation directives are declared by @link; give graphql-core their definitions.
    directives = """
    directive @link(url: String!, import: [String]) repeatable on SCHEMA
    directive @key(fields: String!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
    directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
    directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
    """
    build_ast_schema(parse(committed(name) + directives))


@pytest.mark.node
def test_the_four_subgraphs_compose_without_errors_or_hints(tmp_path: Path) -> None:
    node = shutil.which("node")
    assert node, "node is required for the composition oracle (tools/node)"
    script = tmp_path / "compose.cjs"
    modules = ROOT / "tools" / "node" / "node_modules"
    script.write_text(
        f"""
const {{ composeServices }} = require({json.dumps(str(modules / "@apollo/composition"))});
const {{ parse }} = require({json.dumps(str(modules / "graphql"))});
const fs = require("fs");
const names = ["users", "orders", "notifications", "recommendations"];
const result = composeServices(names.map((name) => ({{
  name, url: `http://${{name}}.invalid/graphql`,
  typeDefs: parse(fs.readFileSync({json.dumps(str(ROOT / "subgraphs"))} + `/${{name}}/schema.graphql`, "utf8")),
}})));
console.log(JSON.stringify({{
  errors: (result.errors || []).map((e) => e.message),
  hints: (result.hints || []).map((h) => h.definition.code + ": " + h.message),
  supergraph: result.supergraphSdl || null,
}}));
"""
    )
    output = subprocess.run([node, str(script)], capture_output=True, text=True, timeout=120, check=True).stdout
    result = json.loads(output)
    assert result["errors"] == []
    assert result["hints"] == []
    supergraph = result["supergraph"]
    # The router jumps from recommendations to orders for Product's fields.
    assert '@join__type(graph: RECOMMENDATIONS, key: "id", resolvable: false)' in supergraph
    assert "recommendations(first: Int! = 20, offset: Int! = 0): [Recommendation!]! @join__field(graph: RECOMMENDATIONS) @authenticated" in supergraph
