"""``@defer``: cutting the incremental payloads out of the full answer.

The full operation's answer holds every deferred fragment's fields (plus the private
``__typename``). Each deferred fragment becomes one incremental entry per object it
applies to (list items each get their own, the path carrying the indices), its ``data``
being exactly the fragment's fields (collected like GraphQL's CollectFields, nested
deferred fragments left to their own entries), its ``errors`` those of the full answer
below those fields. An object that is null (or absent) in what the client already
received gets no entry. Payloads follow the 2022-08-24 incremental format Apollo
Router and Apollo Client speak: ``{"data", "hasNext"}`` first, then
``{"incremental": [...], "hasNext"}``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    SelectionSetNode,
    is_abstract_type,
)

from router.gateway.defer_documents import TYPENAME_ALIAS, DeferredFragment, PathStep, deferred
from router.planning.normalize import included

Path = tuple[str | int, ...]


def strip_typename(value: Any) -> Any:
    """A copy of an answer without the private ``__typename`` keys."""
    if isinstance(value, dict):
        return {key: strip_typename(item) for key, item in value.items() if key != TYPENAME_ALIAS}
    if isinstance(value, list):
        return [strip_typename(item) for item in value]
    return value


class Splitter:
    """Cuts one full answer into the primary data (for mutations) and the incremental payloads."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    # ------------------------------------------------------------------ type conditions
    def applies(self, condition: str, runtime: Any) -> bool:
        if not isinstance(runtime, str) or condition == runtime:
            return True
        wanted = self.schema.get_type(condition)
        actual = self.schema.get_type(runtime)
        if wanted is None or actual is None or not is_abstract_type(wanted):
            return False
        return self.schema.is_sub_type(wanted, actual)  # type: ignore[arg-type]

    def satisfies(self, obj: dict[str, Any], conditions: tuple[str, ...]) -> bool:
        runtime = obj.get(TYPENAME_ALIAS)
        return all(self.applies(condition, runtime) for condition in conditions)

    # ------------------------------------------------------------------ projection
    def collect(self, selection_set: SelectionSetNode, runtime: Any, grouped: dict[str, list[FieldNode]]) -> None:
        for node in selection_set.selections:
            if not included(node.directives, self.variables):
                continue
            if isinstance(node, FieldNode):
                grouped.setdefault(node.alias.value if node.alias else node.name.value, []).append(node)
                continue
            if deferred(node, self.variables):
                continue  # its own incremental entry
            if isinstance(node, FragmentSpreadNode):
                definition = self.fragments.get(node.name.value)
                if definition is None:
                    continue
                condition, inner = definition.type_condition.name.value, definition.selection_set
            else:
                condition = node.type_condition.name.value if node.type_condition else None
                inner = node.selection_set
            if condition is None or self.applies(condition, runtime):
                self.collect(inner, runtime, grouped)

    def project(self, obj: dict[str, Any], selection_sets: list[SelectionSetNode]) -> dict[str, Any]:
        """The fields of ``selection_sets`` of one object of the full answer, in selection order."""
        grouped: dict[str, list[FieldNode]] = {}
        runtime = obj.get(TYPENAME_ALIAS)
        for selection_set in selection_sets:
            self.collect(selection_set, runtime, grouped)
        result: dict[str, Any] = {}
        for key, nodes in grouped.items():
            if key not in obj:
                continue
            inner = [node.selection_set for node in nodes if node.selection_set is not None]
            result[key] = self._value(obj[key], inner) if inner else obj[key]
        return result

    def _value(self, value: Any, selection_sets: list[SelectionSetNode]) -> Any:
        if isinstance(value, list):
            return [self._value(item, selection_sets) for item in value]
        if isinstance(value, dict):
            return self.project(value, selection_sets)
        return value

    # ------------------------------------------------------------------ locating objects
    def objects(
        self, obj: Any, steps: tuple[PathStep, ...], conditions: tuple[str, ...], path: Path
    ) -> Iterator[tuple[Path, dict[str, Any]]]:
        """Every object at ``steps`` below ``obj`` that satisfies ``conditions`` (lists expanded)."""
        if not isinstance(obj, dict):
            return
        if not steps:
            if self.satisfies(obj, conditions):
                yield path, obj
            return
        step, rest = steps[0], steps[1:]
        if not self.satisfies(obj, step.conditions):
            return
        yield from self._descend(obj.get(step.key), rest, conditions, (*path, step.key))

    def _descend(
        self, value: Any, steps: tuple[PathStep, ...], conditions: tuple[str, ...], path: Path
    ) -> Iterator[tuple[Path, dict[str, Any]]]:
        if isinstance(value, list):
            for index, item in enumerate(value):
                yield from self._descend(item, steps, conditions, (*path, index))
        elif isinstance(value, dict):
            yield from self.objects(value, steps, conditions, path)

    # ------------------------------------------------------------------ payloads
    def primary(self, full_data: Any, root_selection: SelectionSetNode) -> Any:
        """The first payload's data cut from the full answer (mutations run only once)."""
        if not isinstance(full_data, dict):
            return full_data
        return strip_typename(self.project(full_data, [root_selection]))

    def incremental(
        self,
        fragments: list[DeferredFragment],
        full: Mapping[str, Any],
        delivered: Any,
        primary_errors: list[dict[str, Any]],
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The subsequent payloads: one per deferred fragment that has entries, parents first;
        ``hasNext`` is false on the last one (a lone ``{"hasNext": false}`` when there are none).
        Also the full answer's errors that were not placed in an entry."""
        errors = [e for e in full.get("errors") or () if isinstance(e.get("path"), list)]
        used: set[int] = set()
        payloads: list[dict[str, Any]] = []

        def emit(fragment: DeferredFragment, parents: list[tuple[Path, Any, Any]]) -> None:
            """One payload for ``fragment`` below every parent object (base path, full, delivered)."""
            entries: list[dict[str, Any]] = []
            nested: list[tuple[Path, Any, Any]] = []
            for base, full_obj, delivered_obj in parents:
                for path, obj in self.objects(full_obj, fragment.path, fragment.conditions, base):
                    if not _present(delivered_obj, path[len(base):]):
                        continue  # its parent is null in what the client has: nothing to add to
                    data = self.project(obj, [fragment.selection_set])
                    entry: dict[str, Any] = {"data": strip_typename(data), "path": list(path)}
                    if fragment.label is not None:
                        entry["label"] = fragment.label
                    below = [i for i, e in enumerate(errors) if _under(e["path"], path, data)]
                    if below:
                        used.update(below)
                        entry["errors"] = [errors[i] for i in below]
                    entries.append(entry)
                    # below this fragment's object the client holds what the full answer gave it
                    nested.append((path, obj, obj))
            if entries:
                payloads.append({"incremental": entries, "hasNext": True})
            for child in fragment.children:
                emit(child, nested)

        for fragment in fragments:
            emit(fragment, [((), full.get("data"), delivered)])
        unplaced = [e for i, e in enumerate(errors) if i not in used]
        unplaced += [e for e in full.get("errors") or () if not isinstance(e.get("path"), list)]
        leftover = [e for e in unplaced if not _known(e, primary_errors)]
        if not payloads:
            payloads.append({"hasNext": False})
        payloads[-1]["hasNext"] = False
        if leftover:  # e.g. a deferred field's null that propagated above its fragment
            payloads[-1]["errors"] = leftover
        return payloads, unplaced


def _present(delivered: Any, relative: Path) -> bool:
    """Whether the client holds a non-null object at ``relative`` below ``delivered``."""
    value = delivered
    for step in relative:
        if isinstance(step, int):
            if not isinstance(value, list) or step >= len(value):
                return False
            value = value[step]
        else:
            if not isinstance(value, dict):
                return False
            value = value.get(step)
        if value is None:
            return False
    return isinstance(value, dict)


def _under(error_path: list[Any], path: Path, data: dict[str, Any]) -> bool:
    depth = len(path)
    return (
        len(error_path) > depth
        and tuple(error_path[:depth]) == path
        and isinstance(error_path[depth], str)
        and error_path[depth] in data
    )


def _known(error: dict[str, Any], primary_errors: list[dict[str, Any]]) -> bool:
    return any(e.get("message") == error.get("message") and e.get("path") == error.get("path") for e in primary_errors)


__all__ = ["Splitter", "strip_typename"]
