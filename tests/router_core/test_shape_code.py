"""Compiled response shapes (``router.execution.shape_code``) behave like the interpreted walk.

Random answer trees, some well-formed and some with nulls in non-null places, values of
the wrong kind, enum values and types hidden from clients, go through both the generated
function and ``shaping._fast_object``: both must produce the same response or both must
give up (so the careful walk takes over). Then the whole shaper is checked against the
careful walk alone.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from graphql import build_schema, parse

from router.execution.shape_code import Problem, compile_shape
from router.execution.shaping import INVALID, Shaper, _fast_object, _Problem
from router.planning.normalize import normalize
from router.planning.shape import (
    COMPOSITE,
    ENUM,
    LIST,
    NON_NULL,
    TYPENAME,
    ShapeCompiler,
    ShapeField,
    ShapeNode,
)

SUPERGRAPH_SIDE = """
type Query {
  items: [Item!]!
  maybeItems: [Item]
  node: Node
  thing: Thing!
  things: [Thing!]
  color: Color
  mustColor: Color!
  colors: [Color!]!
  someColors: [Color]
  scores: [Int!]
  names: [String]!
  grid: [[Int]]
}
interface Node { id: ID! }
type A implements Node { id: ID! a: String! color: Color child: Thing }
type B implements Node { id: ID! b: Int tags: [String!]! }
type Secret implements Node { id: ID! hidden: String }
union Item = A | B | Secret
type Thing { id: ID! label: String things: [Thing] }
enum Color { RED GREEN BLUE }
"""
# what clients see: no Secret type, no BLUE
API_SIDE = SUPERGRAPH_SIDE.replace("type Secret implements Node { id: ID! hidden: String }", "").replace(
    "union Item = A | B | Secret", "union Item = A | B"
).replace("enum Color { RED GREEN BLUE }", "enum Color { RED GREEN }")

OPERATION = """
query {
  items { __typename ... on A { id a color child { id label } } ... on B { b tags } }
  maybeItems { ... on Node { id } ... on B { b } }
  node { __typename id ... on A { a } }
  thing { id label things { id label things { id } } }
  things { label }
  color mustColor colors someColors scores names
}
"""


def shape_of(operation: str) -> ShapeNode:
    schema, api = build_schema(SUPERGRAPH_SIDE), build_schema(API_SIDE)
    normalized = normalize(schema, parse(operation))
    return ShapeCompiler(schema, api).compile(normalized.selection)


def random_value(field: ShapeField, rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if roll < 0.01:
        return None
    if roll < 0.015:
        return rng.choice([{"x": 1}, 7, "text", [1]])  # the wrong kind of value
    return _value(field, field.wrappers, rng, depth)


def _value(field: ShapeField, wrappers: tuple[str, ...], rng: random.Random, depth: int) -> Any:
    if wrappers[:1] == (NON_NULL,):
        wrappers = wrappers[1:]
    if wrappers[:1] == (LIST,):
        items = []
        for _ in range(rng.randint(0, 3)):
            items.append(None if rng.random() < 0.01 else _value(field, wrappers[1:], rng, depth))
        return items
    if field.kind == COMPOSITE:
        return random_object(field.child, rng, depth + 1)  # type: ignore[arg-type]
    if field.kind == ENUM:
        return "BLUE" if rng.random() < 0.02 else rng.choice(["RED", "GREEN"])
    if field.kind == TYPENAME:
        return "ignored"
    return rng.choice(["x", "y", 3, True])


def random_object(shape: ShapeNode, rng: random.Random, depth: int = 0) -> dict[str, Any]:
    if shape.abstract:
        typename = rng.choice([*shape.by_type]) if rng.random() < 0.97 else "Unknown"
    else:
        typename = shape.type_name
    data: dict[str, Any] = {"__typename": typename} if shape.abstract and rng.random() < 0.97 else {}
    for field in shape.fields_for(typename):
        if field.kind == TYPENAME and shape.abstract and "__typename" in data:
            continue  # the merged tree's __typename is the object's real type
        if rng.random() < 0.01:
            continue  # missing entirely (e.g. its fetch failed)
        data[field.response_key] = random_value(field, rng, depth)
    data["helper"] = "not for the client"
    return data


def outcome(function: Any, *args: Any) -> Any:
    try:
        return function(*args)
    except (Problem, _Problem):
        return "needs the careful walk"


@pytest.mark.parametrize("operation", [OPERATION, OPERATION.replace("color mustColor colors someColors", "")])
def test_compiled_and_interpreted_shaping_agree_on_random_answers(operation: str) -> None:
    shape = shape_of(operation)
    compiled = compile_shape(shape)
    assert compiled is not None
    rng = random.Random(20261126)
    seen = {"both fast": 0, "only compiled fast": 0, "careful": 0}
    for _ in range(3000):
        data = random_object(shape, rng)
        interpreted, generated = outcome(_fast_object, shape, data), outcome(compiled, data)
        if interpreted != "needs the careful walk":
            assert generated == interpreted, data
            seen["both fast"] += 1
        elif generated != "needs the careful walk":
            # the interpreted walk gives up on every enum; the compiled one checks enum values
            errors: list[dict[str, Any]] = []
            assert generated == Shaper(errors, set()).object(shape, data) and errors == [], data
            seen["only compiled fast"] += 1
        else:
            seen["careful"] += 1
    # every outcome was exercised (the interpreted walk gives up on any enum)
    assert seen["careful"] > 200, seen
    assert seen["both fast" if "colors" not in operation else "only compiled fast"] > 200, seen


def test_the_shaper_gives_what_the_careful_walk_gives() -> None:
    shape = shape_of(OPERATION)
    rng = random.Random(7)
    for _ in range(500):
        data = random_object(shape, rng)
        errors: list[dict[str, Any]] = []
        shaped = Shaper(errors, set()).root(shape, data)
        careful_errors: list[dict[str, Any]] = []
        careful = Shaper(careful_errors, set()).object(shape, data)
        assert shaped == (None if careful is INVALID else careful)
        assert errors == careful_errors
    assert shape.compiled  # compiled on first use and kept with the shape


def test_hidden_enum_values_and_types_leave_the_fast_path() -> None:
    shape = shape_of("{ color items { ... on B { b } } node { id } }")
    compiled = compile_shape(shape)
    assert compiled is not None
    good = {"color": "RED", "items": [{"__typename": "B", "b": 1}], "node": {"__typename": "A", "id": "1"}}
    assert compiled(good) == {"color": "RED", "items": [{"b": 1}], "node": {"id": "1"}}
    for bad in (
        {**good, "color": "BLUE"},
        {**good, "items": [{"__typename": "Secret", "id": "s"}]},
        {**good, "node": {"__typename": "Secret", "id": "s"}},
        {**good, "items": [None]},
    ):
        with pytest.raises(Problem):
            compiled(bad)


def test_nested_lists_use_the_careful_walk_only() -> None:
    shape = shape_of("{ grid scores }")
    assert compile_shape(shape) is None
    errors: list[dict[str, Any]] = []
    assert Shaper(errors, set()).root(shape, {"grid": [[1, None], None], "scores": [1]}) == {
        "grid": [[1, None], None],
        "scores": [1],
    }
    assert shape.compiled is False and errors == []
