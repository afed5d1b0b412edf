"""The response tree: finding objects at a plan path, building representations, merging answers.

All subgraph answers are merged into one tree of plain dicts and lists (as orjson decoded
them); nothing is copied. Objects found at a path are the very dicts of that tree, so an
entity answer is merged in place into every object its representation came from.
"""

from __future__ import annotations

from typing import Any

from router.execution.jsonio import dumps
from router.planning.plan import EntityInputSpec
from router.planning.steps import ContextVariable, InputField, InputShape

_MISSING = object()


def objects_at(data: Any, path: tuple[str, ...]) -> list[dict[str, Any]]:
    """Every object at ``path`` ("@" = each list item), skipping nulls."""
    walk = _walkers.get(path)
    if walk is None:
        walk = _compile_walk(path)
        if len(_walkers) >= _MAX_WALKERS:
            _walkers.clear()
        _walkers[path] = walk
    return walk(data)  # type: ignore[no-any-return]


# Entity fetches collect the objects at their path on every request. One comprehension
# generated per path does it without the intermediate list of every level that a generic
# walk builds.
_walkers: dict[tuple[str, ...], Any] = {}
_MAX_WALKERS = 4096


def _compile_walk(path: tuple[str, ...]) -> Any:
    clauses = []
    for depth, segment in enumerate(path):
        current, following = f"v{depth}", f"v{depth + 1}"
        if segment == "@":
            clauses.append(f"for {following} in ({current} if type({current}) is list else ())")
        else:
            clauses.append(f"if type({current}) is dict for {following} in ({current}.get({segment!r}),)")
    last = f"v{len(path)}"
    source = f"def walk(data):\n    return [{last} for v0 in (data,) {' '.join(clauses)} if type({last}) is dict]"
    namespace: dict[str, Any] = {}
    exec(compile(source, "<path walk>", "exec"), namespace)  # noqa: S102 - names reach it only via repr
    return namespace["walk"]


def context_groups(
    data: Any, path: tuple[str, ...], contexts: tuple[ContextVariable, ...]
) -> dict[tuple[Any, ...], list[dict[str, Any]]]:
    """Objects at ``path`` grouped by the @fromContext values their ancestors give them."""
    depths = {c.depth for c in contexts}
    current: list[tuple[Any, dict[int, Any]]] = [(data, {0: data} if 0 in depths else {})]
    for index, segment in enumerate(path, start=1):
        following: list[tuple[Any, dict[int, Any]]] = []
        for value, ancestors in current:
            if segment == "@":
                if isinstance(value, list):
                    following.extend((item, ancestors) for item in value)
            elif isinstance(value, dict):
                child = value.get(segment)
                if child is not None:
                    following.append((child, ancestors))
        if index in depths:
            following = [
                (value, {**ancestors, index: value}) if isinstance(value, dict) else (value, ancestors)
                for value, ancestors in following
            ]
        current = following
    groups: dict[bytes, tuple[tuple[Any, ...], list[dict[str, Any]]]] = {}
    for value, ancestors in current:
        if not isinstance(value, dict):
            continue
        values = tuple(_context_value(ancestors.get(c.depth), c.fields) for c in contexts)
        key = dumps(values)
        group = groups.get(key)
        if group is None:
            groups[key] = (values, [value])
        else:
            group[1].append(value)
    return dict(groups.values())


def _context_value(source: Any, fields: tuple[InputField, ...] | None) -> Any:
    """The single leaf a context selection points at (lists map item by item)."""
    if source is None or fields is None:
        return None
    if isinstance(source, list):
        return [_context_value(item, fields) for item in source]
    if not isinstance(source, dict):
        return source
    for item in fields:
        if item.name == "__typename" or item.source_key not in source:
            continue
        value = source[item.source_key]
        if item.child is None or value is None:
            return value
        if isinstance(value, list):
            return [_context_value(v, item.child.fields_for(v.get("__typename") if isinstance(v, dict) else None)) for v in value]
        if isinstance(value, dict):
            return _context_value(value, item.child.fields_for(value.get("__typename")))
        return value
    return None


def object_paths(data: Any, path: tuple[str, ...]) -> dict[int, list[str | int]]:
    """Concrete response paths of the objects at ``path``, keyed by object identity (for errors)."""
    current: list[tuple[Any, list[str | int]]] = [(data, [])]
    for segment in path:
        following: list[tuple[Any, list[str | int]]] = []
        if segment == "@":
            for value, at in current:
                if isinstance(value, list):
                    following.extend((item, at + [index]) for index, item in enumerate(value))
        else:
            for value, at in current:
                if isinstance(value, dict):
                    child = value.get(segment)
                    if child is not None:
                        following.append((child, at + [segment]))
        current = following
    return {id(value): at for value, at in current if isinstance(value, dict)}


def _project(value: Any, shape: InputShape) -> Any:
    if value is None:
        return None
    if isinstance(value, list):
        return [_project(item, shape) for item in value]
    if not isinstance(value, dict):
        return value
    fields = shape.fields_for(value.get("__typename"))
    if fields is None:
        return None
    return _copy_fields(value, fields)


def _copy_fields(source: dict[str, Any], fields: tuple[InputField, ...]) -> dict[str, Any] | None:
    result: dict[str, Any] = {}
    for item in fields:
        value = source.get(item.source_key, _MISSING)
        if value is _MISSING:
            return None
        result[item.name] = value if item.child is None else _project(value, item.child)
    return result


def representation(source: dict[str, Any], spec: EntityInputSpec) -> dict[str, Any] | None:
    """The ``_Any`` sent for ``source``, or None when a needed field is missing (its fetch failed)."""
    result: dict[str, Any] = {"__typename": spec.sent_type}
    for item in spec.fields:
        value = source.get(item.source_key, _MISSING)
        if value is _MISSING:
            return None
        result[item.name] = value if item.child is None else _project(value, item.child)
    return result


def representations(
    objects: list[dict[str, Any]], inputs: dict[str, EntityInputSpec]
) -> tuple[list[dict[str, Any]], list[list[dict[str, Any]]]]:
    """Unique representations, and for each the objects it stands for (in first-seen order).

    Deep paths reach the same entity many times (every review of every product of every
    user...), so the usual flat keys are compared as value tuples before any dict is built.
    """
    unique: list[dict[str, Any]] = []
    sources: list[list[dict[str, Any]]] = []
    index: dict[Any, int] = {}
    for source in objects:
        spec = inputs.get(source.get("__typename"))  # type: ignore[arg-type]
        if spec is None:
            continue
        rep: dict[str, Any] | None = None
        key: Any
        if spec.values is not None:
            try:
                values = spec.values(source)
            except KeyError:
                continue  # a needed field is missing: the fetch that had it failed
            key = (spec.identity, values)
            try:
                position = index.get(key)
            except TypeError:  # a list-valued key field
                rep = representation(source, spec)
                key = dumps(rep)
                position = index.get(key)
        else:
            rep = representation(source, spec)
            if rep is None:
                continue
            key = dumps(rep)
            position = index.get(key)
        if position is None:
            index[key] = len(unique)
            unique.append(rep if rep is not None else representation(source, spec))  # type: ignore[arg-type]
            sources.append([source])
        else:
            sources[position].append(source)
    return unique, sources


def deep_merge(target: dict[str, Any], source: dict[str, Any], abstract_names: frozenset[str]) -> None:
    """Merge ``source`` into ``target`` in place; lists merge item by item."""
    if target.keys().isdisjoint(source):  # the usual entity answer: only new fields
        target.update(source)
        return
    for key, value in source.items():
        existing = target.get(key, _MISSING)
        if existing is _MISSING or existing is None:
            target[key] = value
        elif isinstance(existing, dict):
            if isinstance(value, dict):
                deep_merge(existing, value, abstract_names)
        elif isinstance(existing, list):
            if isinstance(value, list):
                _merge_lists(existing, value, abstract_names)
        elif key == "__typename":
            # an @interfaceObject subgraph answers the interface name; never let it hide the real type
            if value not in abstract_names:
                target[key] = value
        elif value is not None:
            target[key] = value


def _merge_lists(existing: list[Any], incoming: list[Any], abstract_names: frozenset[str]) -> None:
    for index, value in enumerate(incoming):
        if index >= len(existing):
            existing.append(value)
            continue
        current = existing[index]
        if isinstance(current, dict) and isinstance(value, dict):
            deep_merge(current, value, abstract_names)
        elif isinstance(current, list) and isinstance(value, list):
            _merge_lists(current, value, abstract_names)
        elif current is None:
            existing[index] = value
