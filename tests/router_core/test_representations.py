"""Representation building and de-duplication (``router.execution.merge.representations``)."""

from __future__ import annotations

import random
from typing import Any

from router.execution.merge import deep_merge, objects_at, representations
from router.planning.plan import EntityInputSpec
from router.planning.steps import InputField, InputShape


def flat(sent_type: str, *names: str, aliases: dict[str, str] | None = None) -> EntityInputSpec:
    aliases = aliases or {}
    return EntityInputSpec(sent_type, tuple(InputField(n, aliases.get(n, n)) for n in names))


def test_objects_of_one_entity_share_one_representation_in_first_seen_order() -> None:
    a1, b, a2, a3 = ({"__typename": "P", "upc": u, "x": i} for i, u in enumerate(["1", "2", "1", "1"]))
    reps, sources = representations([a1, b, a2, a3], {"P": flat("P", "upc")})
    assert reps == [{"__typename": "P", "upc": "1"}, {"__typename": "P", "upc": "2"}]
    assert sources == [[a1, a2, a3], [b]]
    assert sources[0][1] is a2


def test_multi_field_keys_aliases_nulls_and_missing_fields() -> None:
    spec = flat("P", "upc", "price", aliases={"price": "_price0"})
    objects = [
        {"__typename": "P", "upc": "1", "_price0": 5},
        {"__typename": "P", "upc": "1", "_price0": 6},
        {"__typename": "P", "upc": "1", "_price0": None},
        {"__typename": "P", "upc": "1"},  # the fetch giving price failed: nothing to send
        {"__typename": "Other", "upc": "1", "_price0": 5},  # no spec for this type
        {"__typename": "P", "upc": "1", "_price0": 5},
    ]
    reps, sources = representations(objects, {"P": spec})
    assert reps == [
        {"__typename": "P", "upc": "1", "price": 5},
        {"__typename": "P", "upc": "1", "price": 6},
        {"__typename": "P", "upc": "1", "price": None},
    ]
    assert [len(s) for s in sources] == [2, 1, 1]


def test_types_and_field_names_keep_equal_values_apart() -> None:
    inputs = {"A": flat("A", "id"), "B": flat("B", "id"), "C": flat("A", "key"), "D": flat("Media", "id"), "E": flat("Media", "id")}
    objects = [{"__typename": t, "id": "1", "key": "1"} for t in "ABCDE"]
    reps, sources = representations(objects, inputs)
    assert reps == [
        {"__typename": "A", "id": "1"},
        {"__typename": "B", "id": "1"},
        {"__typename": "A", "key": "1"},
        {"__typename": "Media", "id": "1"},  # two types sent as one interface: one representation
    ]
    assert [len(s) for s in sources] == [1, 1, 1, 2]


def test_list_valued_and_nested_keys() -> None:
    listy = flat("L", "ids")
    nested = EntityInputSpec("N", (InputField("id", "id"), InputField("org", "org", InputShape((), (InputField("id", "id"),)))))
    objects = [
        {"__typename": "L", "ids": [1, 2]},
        {"__typename": "L", "ids": [1, 2]},
        {"__typename": "L", "ids": [2]},
        {"__typename": "N", "id": "1", "org": {"id": "o", "name": "x"}},
        {"__typename": "N", "id": "1", "org": {"id": "o"}},
    ]
    reps, sources = representations(objects, {"L": listy, "N": nested})
    assert reps == [
        {"__typename": "L", "ids": [1, 2]},
        {"__typename": "L", "ids": [2]},
        {"__typename": "N", "id": "1", "org": {"id": "o"}},
    ]
    assert [len(s) for s in sources] == [2, 1, 2]


def test_merging_new_fields_and_overlapping_ones() -> None:
    target = {"__typename": "P", "upc": "1"}
    deep_merge(target, {"name": "n", "tags": [1]}, frozenset())
    assert target == {"__typename": "P", "upc": "1", "name": "n", "tags": [1]}
    deep_merge(target, {"__typename": "Iface", "name": None, "tags": [1, 2], "extra": {"a": 1}}, frozenset({"Iface"}))
    assert target == {"__typename": "P", "upc": "1", "name": "n", "tags": [1, 2], "extra": {"a": 1}}


def reference_objects_at(data: Any, path: tuple[str, ...]) -> list[dict[str, Any]]:
    if not path:
        return [data] if isinstance(data, dict) else []
    head, rest = path[0], path[1:]
    if head == "@":
        return [found for item in data for found in reference_objects_at(item, rest)] if isinstance(data, list) else []
    return reference_objects_at(data.get(head), rest) if isinstance(data, dict) else []


def test_objects_at_a_path_are_the_tree_objects_in_order() -> None:
    rng = random.Random(5)

    def tree(depth: int) -> Any:
        if depth == 0 or rng.random() < 0.1:
            return rng.choice([None, 3, "s", {"leaf": 1}])
        return {
            "a": [tree(depth - 1) for _ in range(rng.randint(0, 3))],
            "b": tree(depth - 1),
            "c": [[tree(depth - 1)], None],
            "it's": {"x": {}},
        }

    paths = [(), ("a",), ("a", "@"), ("a", "@", "b"), ("b", "a", "@", "a", "@"), ("c", "@", "@"), ("it's", "x"), ("a", "b")]
    seen = 0
    for _ in range(200):
        data = tree(5)
        for path in paths:
            expected = reference_objects_at(data, path)
            found = objects_at(data, path)
            assert len(found) == len(expected) and all(f is e for f, e in zip(found, expected)), path
            seen += len(found)
    assert seen > 1000
