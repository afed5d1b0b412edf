"""Satisfiability: every query the supergraph API allows must be plannable.

We walk the API schema from each root. A validation state is the supergraph type
we are on plus every place ("position": subgraph, type there, what an enclosing
@provides guarantees) a query planner could be at. Selecting a field keeps the
positions that can resolve it, directly or after jumping to other subgraphs
through resolvable keys (whose fields must be fetchable where we are), honouring
@requires, @provides, @override, @interfaceObject and type conditions. If no
position can resolve a field, that path is unsatisfiable (SATISFIABILITY_ERROR).
A state whose positions are a superset of a state already validated for the same
type needs no second visit, which keeps the walk finite and fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from router.composition.errors import CompositionError, CompositionHint
from router.composition.fieldset import (
    FieldSelection,
    FieldSetError,
    FragmentSelection,
    Selection,
    resolve_field_set,
)
from router.composition.model import Field, ListRef, NonNullRef, Schema, TypeDef, TypeRef, base_name

if TYPE_CHECKING:
    from router.composition.merge import MergeResult
    from router.composition.subgraph import Subgraph

Provided = Any  # frozen tree of provided selections, or None


@dataclass(frozen=True)
class Position:
    sg: int
    type: str  # type name in the subgraph (an @interfaceObject may stand in for an implementation)
    provided: Provided = None


@dataclass
class Step:
    kind: str  # "field" | "cast"
    name: str
    field: Field | None = None
    parent: str | None = None  # type the field is selected on


class _Unsatisfiable(Exception):
    pass


def check_satisfiability(result: "MergeResult") -> tuple[list[CompositionError], list[CompositionHint]]:
    checker = _Checker(result)
    return checker.run()


class _Checker:
    def __init__(self, result: "MergeResult"):
        self.result = result
        self.schema: Schema = result.supergraph  # type: ignore[assignment]
        self.subgraphs: list["Subgraph"] = result.subgraphs
        self.names = [s.name for s in self.subgraphs]
        self.errors: list[CompositionError] = []
        self.hints: list[CompositionHint] = []
        self.inaccessible = next(
            (name for name, (identity, spec) in self._spec_directives().items() if spec == "inaccessible"), None
        )
        self.visited: dict[str, list[frozenset[Position]]] = {}
        self.overridden = getattr(result, "overridden", set())
        self._error_keys: set[str] = set()
        self.tag: Any = None  # (mutation field, subgraph) while validating a partition
        self._jump_cache: dict[Any, tuple[list[Position], list[tuple[int, str]]]] = {}
        self._collect_cache: dict[Any, bool] = {}
        self._entity_cache: dict[tuple[int, str], list[tuple[str, list[Any]]]] = {}
        self.mutation_errors: dict[str, dict[str, list[CompositionError]]] = {}

    def _spec_directives(self) -> dict[str, tuple[str, str]]:
        return getattr(self.result, "spec_directives", {})

    # ------------------------------------------------------------------ api visibility

    def visible(self, element: Any) -> bool:
        return self.inaccessible is None or not any(d.name == self.inaccessible for d in element.directives)

    def api_fields(self, t: TypeDef) -> list[Field]:
        return [f for f in t.fields.values() if self.visible(f) and self.visible_type(base_name(f.type))]

    def visible_type(self, name: str) -> bool:
        t = self.schema.types.get(name)
        return t is None or self.visible(t)

    # ------------------------------------------------------------------ traversal

    def run(self) -> tuple[list[CompositionError], list[CompositionHint]]:
        for kind in ("query", "mutation", "subscription"):
            root = self.schema.roots.get(kind)
            if root is None:
                continue
            positions = frozenset(
                Position(i, sg.schema.roots[kind])
                for i, sg in enumerate(self.subgraphs)
                if kind in sg.schema.roots and sg.schema.roots[kind] in sg.schema.types
            )
            stack: list[tuple[str, frozenset[Position], list[Step], Any]] = [(root, positions, [], None)]
            while stack:
                type_name, state, path, tag = stack.pop()
                if self._can_skip(type_name, state, tag):
                    continue
                self.tag = tag
                t = self.schema.types[type_name]
                successors: list[tuple[str, frozenset[Position], list[Step], Any]] = []
                if t.kind == "INTERFACE" and not any(
                    self.visible(self.schema.types[r]) for r in self.schema.possible_runtime_types(t.name)
                ):
                    continue  # no object can ever be returned here: nothing to plan below
                for f in self.api_fields(t):
                    self.tag = tag
                    target = self.schema.types.get(base_name(f.type))
                    new_state = self.advance_field(t, f, state, path)
                    if new_state is None or target is None or not target.is_composite:
                        continue
                    step_path = path + [Step("field", f.name, f, t.name)]
                    if kind == "mutation" and not path:
                        by_subgraph: dict[int, set[Position]] = {}
                        for p in new_state:
                            by_subgraph.setdefault(p.sg, set()).add(p)
                        if len(by_subgraph) > 1:
                            coordinate = f"{t.name}.{f.name}"
                            buckets = self.mutation_errors.setdefault(coordinate, {})
                            for idx, group in sorted(by_subgraph.items()):
                                buckets.setdefault(self.names[idx], [])
                                successors.append((target.name, frozenset(group), step_path, (coordinate, self.names[idx])))
                            continue
                    successors.append((target.name, new_state, step_path, tag))
                if t.kind in ("INTERFACE", "UNION"):
                    for runtime in self.schema.possible_runtime_types(t.name):
                        rt = self.schema.types[runtime]
                        if not self.visible(rt):
                            continue
                        self.tag = tag
                        new_state = self.advance_cast(t, runtime, state, path)
                        if new_state:
                            successors.append((runtime, new_state, path + [Step("cast", runtime)], tag))
                stack.extend(reversed(successors))
        self.tag = None
        for coordinate, buckets in self.mutation_errors.items():
            if any(not errors for errors in buckets.values()):
                continue
            parts = [
                f'Supergraph API queries using the mutation field "{coordinate}" at top-level must be satisfiable without needing to call that field from multiple subgraphs, but every subgraph with that field encounters satisfiability errors. Please fix these satisfiability errors for (at least) one of the following subgraphs with the mutation field:'
            ]
            for subgraph, errors in buckets.items():
                parts.append(f'- When calling "{coordinate}" at top-level from subgraph "{subgraph}":')
                for error in errors:
                    parts.extend(("  " + line) if line else line for line in error.message.split("\n"))
            self.errors.append(CompositionError("SATISFIABILITY_ERROR", "\n".join(parts), list(buckets), coordinate))
        return self.errors, self.hints

    def _can_skip(self, type_name: str, state: frozenset[Position], tag: Any = None) -> bool:
        previous = self.visited.setdefault(f"{type_name}|{tag}", [])
        for seen in previous:
            if state >= seen:
                return True
        previous.append(state)
        return False

    # ------------------------------------------------------------------ fields

    def advance_field(self, parent: TypeDef, f: Field, state: frozenset[Position], path: list[Step]) -> frozenset[Position] | None:
        new_positions: set[Position] = set()
        reasons: list[tuple[int, str]] = []
        target = self.schema.types.get(base_name(f.type))
        leaf = target is None or not target.is_composite
        for pos in state:
            direct = self.resolve_direct(pos, parent.name, f, reasons)
            if direct is not None:
                new_positions.add(direct)
                if leaf:
                    continue
            for jumped in self.jumps(pos, parent.name, reasons, f.name):
                res = self.resolve_direct(jumped, parent.name, f, reasons)
                if res is not None:
                    new_positions.add(res)
        if not new_positions:
            self.report(path + [Step("field", f.name, f, parent.name)], reasons)
            return None
        if target is not None and target.kind in ("INTERFACE", "UNION") and parent.kind == "OBJECT":
            self.check_shareable_runtime_types(parent, f, new_positions, path)
        return frozenset(new_positions)

    def field_in_subgraph(self, pos: Position, field_name: str) -> Field | None:
        t = self.subgraphs[pos.sg].schema.types.get(pos.type)
        if t is None or t.kind not in ("OBJECT", "INTERFACE"):
            return None
        return t.fields.get(field_name)

    def resolve_direct(self, pos: Position, parent: str, f: Field, reasons: list[tuple[int, str]]) -> Position | None:
        sg = self.subgraphs[pos.sg]
        sf = self.field_in_subgraph(pos, f.name)
        if sf is None:
            reasons.append((pos.sg, f'cannot find field "{parent}.{f.name}"'))
            return None
        provided_here = _provided_child(pos.provided, f.name)
        if (parent, f.name, pos.sg) in self.overridden or (pos.type, f.name, pos.sg) in self.overridden:
            reasons.append((pos.sg, f'field "{parent}.{f.name}" is overridden by another subgraph'))
            return None
        if sg.is_external(pos.type, sf) and provided_here is _MISSING:
            reasons.append((pos.sg, f'field "{parent}.{f.name}" is not resolvable because marked @external'))
            return None
        for requires in sg.applied(sf, "requires"):
            text = requires.arg_value("fields")
            if not isinstance(text, str) or not self.can_collect(Position(pos.sg, pos.type), pos.type, text, allow_jumps=True):
                reasons.append((pos.sg, f'cannot satisfy @require conditions on field "{parent}.{f.name}"'))
                return None
            if not self._has_usable_key(pos):
                reasons.append(
                    (
                        pos.sg,
                        f'@require condition on field "{parent}.{f.name}" can be satisfied but missing usable key on "{pos.type}" in subgraph "{sg.name}" to resume query',
                    )
                )
                return None
        target = base_name(sf.type)
        provided: Provided = None
        provides = sg.applied(sf, "provides")
        if provides:
            text = provides[0].arg_value("fields")
            if isinstance(text, str):
                provided = self.provided_tree(sg.schema, target, text)
        elif provided_here is not _MISSING:
            provided = provided_here
        return Position(pos.sg, target, provided)

    def _has_usable_key(self, pos: Position) -> bool:
        sg = self.subgraphs[pos.sg]
        t = sg.schema.types.get(pos.type)
        if t is None:
            return False
        for key in sg.keys(t):
            text = key.arg_value("fields")
            if key.arg_value("resolvable", True) is not False and isinstance(text, str):
                if self.can_collect(Position(pos.sg, pos.type), pos.type, text, allow_jumps=True):
                    return True
        return False

    def provided_tree(self, schema: Schema, type_name: str, text: str) -> Provided:
        try:
            resolved = resolve_field_set(schema, type_name, text)
        except FieldSetError:
            return None
        return _freeze(resolved.selections)

    # ------------------------------------------------------------------ jumps between subgraphs

    def entity_positions_in(self, j: int, type_name: str) -> list[tuple[str, list[Any]]]:
        """Types standing for supergraph ``type_name`` in subgraph ``j`` with their keys."""
        key = (j, type_name)
        cached = self._entity_cache.get(key)
        if cached is None:
            cached = self._entity_positions_in(j, type_name)
            self._entity_cache[key] = cached
        return cached

    def _entity_positions_in(self, j: int, type_name: str) -> list[tuple[str, list[Any]]]:
        sg = self.subgraphs[j]
        st = sg.schema.types.get(type_name)
        result = []
        if st is not None and st.kind in ("OBJECT", "INTERFACE"):
            result.append((type_name, sg.keys(st)))
        elif st is None:
            merged = self.schema.types.get(type_name)
            if merged is not None and merged.kind == "OBJECT":
                for itf in merged.interfaces:
                    it = sg.schema.types.get(itf)
                    if it is not None and sg.is_interface_object(it):
                        result.append((itf, sg.keys(it)))
        return result

    def jumps(self, start: Position, type_name: str, reasons: list[tuple[int, str]], field_name: str | None = None) -> list[Position]:
        """Positions reachable from ``start`` through key (or root type) jumps."""
        key = (start, type_name, field_name)
        cached = self._jump_cache.get(key)
        if cached is None:
            found: list[tuple[int, str]] = []
            cached = (self._jumps(start, type_name, found, field_name), found)
            self._jump_cache[key] = cached
        reasons.extend(cached[1])
        return cached[0]

    def _jumps(self, start: Position, type_name: str, reasons: list[tuple[int, str]], field_name: str | None) -> list[Position]:
        is_root = self.schema.is_root(type_name)
        reached: list[Position] = []
        visited = {start.sg}
        frontier = [start]
        while frontier:
            current = frontier.pop(0)
            for j, sg in enumerate(self.subgraphs):
                if j in visited:
                    continue
                if is_root:
                    root_kind = self.schema.root_kind_of(type_name)
                    if root_kind in sg.schema.roots:
                        visited.add(j)
                        pos = Position(j, sg.schema.roots[root_kind])
                        reached.append(pos)
                        frontier.append(pos)
                    continue
                for type_in_j, keys in self.entity_positions_in(j, type_name):
                    resolvable = [k for k in keys if k.arg_value("resolvable", True) is not False]
                    if not resolvable:
                        if field_name is not None and self.field_in_subgraph(Position(j, type_in_j), field_name) is not None:
                            if keys:
                                reasons.append(
                                    (
                                        start.sg,
                                        f'cannot move to subgraph "{sg.name}", which has field "{type_name}.{field_name}", because none of the @key defined on type "{type_name}" in subgraph "{sg.name}" are resolvable (they are all declared with their "resolvable" argument set to false)',
                                    )
                                )
                            else:
                                reasons.append(
                                    (
                                        start.sg,
                                        f'cannot move to subgraph "{sg.name}", which has field "{type_name}.{field_name}", because type "{type_name}" has no @key defined in subgraph "{sg.name}"',
                                    )
                                )
                        continue
                    for key in resolvable:
                        text = key.arg_value("fields")
                        if isinstance(text, str) and self.can_collect(current, current.type, text, allow_jumps=False):
                            visited.add(j)
                            pos = Position(j, type_in_j)
                            reached.append(pos)
                            frontier.append(pos)
                            break
                    else:
                        if field_name is not None:
                            reasons.append(
                                (
                                    start.sg,
                                    f'cannot move to subgraph "{sg.name}" using @key(fields: "{resolvable[0].arg_value("fields")}") of "{type_name}", the key field(s) cannot be resolved from subgraph "{self.names[current.sg]}"',
                                )
                            )
                        continue
                    break
        return reached

    def can_collect(self, pos: Position, type_name: str, text: str, allow_jumps: bool) -> bool:
        """Can the selection ``text`` (on ``type_name``) be fetched from ``pos``?"""
        key = (pos, type_name, text, allow_jumps)
        cached = self._collect_cache.get(key)
        if cached is None:
            self._collect_cache[key] = False  # a cycle through this very question cannot help
            cached = self._can_collect(pos, type_name, text, allow_jumps)
            self._collect_cache[key] = cached
        return cached

    def _can_collect(self, pos: Position, type_name: str, text: str, allow_jumps: bool) -> bool:
        sg = self.subgraphs[pos.sg]
        schema = sg.schema if sg.schema.types.get(pos.type) is not None else self.schema
        try:
            selections = resolve_field_set(self.schema, type_name, text).selections
        except FieldSetError:
            try:
                selections = resolve_field_set(schema, pos.type, text).selections
            except FieldSetError:
                return False
        return self._collect(pos, type_name, selections, allow_jumps, depth=0)

    def _collect(self, pos: Position, type_name: str, selections: list[Selection], allow_jumps: bool, depth: int) -> bool:
        if depth > 8:
            return False
        for sel in selections:
            if isinstance(sel, FragmentSelection):
                cond = sel.type_condition or type_name
                st = self.subgraphs[pos.sg].schema.types.get(cond)
                if st is None:
                    continue  # that subgraph never returns such objects
                cast = Position(pos.sg, cond, _provided_cast(pos.provided, cond))
                if not self._collect(cast, cond, sel.selections, allow_jumps, depth + 1):
                    return False
                continue
            if sel.name == "__typename":
                continue
            candidates = [pos]
            if allow_jumps:
                candidates += self.jumps(pos, type_name, [], None)
            ok = False
            for cand in candidates:
                sg = self.subgraphs[cand.sg]
                sf = self.field_in_subgraph(cand, sel.name)
                if sf is None:
                    continue
                provided_here = _provided_child(cand.provided, sel.name)
                if sg.is_external(cand.type, sf) and provided_here is _MISSING:
                    continue
                if (type_name, sel.name, cand.sg) in self.overridden:
                    continue
                if sg.applied(sf, "requires") and not allow_jumps:
                    continue
                if sel.selections:
                    child = Position(cand.sg, base_name(sf.type), None if provided_here is _MISSING else provided_here)
                    if not self._collect(child, base_name(sf.type), sel.selections, allow_jumps, depth + 1):
                        continue
                ok = True
                break
            if not ok:
                return False
        return True

    # ------------------------------------------------------------------ type conditions

    def advance_cast(self, parent: TypeDef, runtime: str, state: frozenset[Position], path: list[Step]) -> frozenset[Position] | None:
        new_positions: set[Position] = set()
        reasons: list[tuple[int, str]] = []
        for pos in state:
            sg = self.subgraphs[pos.sg]
            st = sg.schema.types.get(pos.type)
            if st is None:
                continue
            if st.kind == "OBJECT" and parent.kind == "INTERFACE":
                # An @interfaceObject stands in for all implementations, but its
                # subgraph cannot tell which one an object is: another subgraph with
                # the real interface must be reachable.
                found = False
                for jumped in self.jumps(pos, parent.name, reasons):
                    jt = self.subgraphs[jumped.sg].schema.types.get(jumped.type)
                    if jt is not None and jt.kind == "INTERFACE":
                        found = True
                        break
                if found:
                    new_positions.add(Position(pos.sg, pos.type, pos.provided))
                else:
                    reasons.append(
                        (pos.sg, f'no subgraph can be reached to resolve the implementation type of @interfaceObject type "{parent.name}"')
                    )
                for jumped in self.jumps(pos, runtime, reasons):
                    new_positions.add(jumped)
                continue
            if st.kind == "OBJECT":
                if st.name == runtime:
                    new_positions.add(pos)
                continue
            if runtime not in sg.schema.possible_runtime_types(st.name):
                return None  # this path can never yield such objects: nothing to check below
            new_positions.add(Position(pos.sg, runtime, _provided_cast(pos.provided, runtime)))
        if not new_positions:
            self.report(path + [Step("cast", runtime)], reasons)
            return None
        return frozenset(new_positions)

    # ------------------------------------------------------------------ shareable runtime types

    def check_shareable_runtime_types(self, parent: TypeDef, f: Field, positions: set[Position], path: list[Step]) -> None:
        graphs = self._resolving_graphs(parent, f)
        if len(graphs) < 2:
            return
        abstract = [p for p in positions if (t := self.subgraphs[p.sg].schema.types.get(p.type)) is not None and t.kind in ("INTERFACE", "UNION")]
        if len(abstract) < 2:
            return
        all_runtime = sorted(self.schema.possible_runtime_types(base_name(f.type)))
        intersection = set(all_runtime)
        per_subgraph: dict[str, list[str]] = {}
        all_empty = True
        for p in abstract:
            types = sorted(self.subgraphs[p.sg].schema.possible_runtime_types(p.type))
            per_subgraph[self.names[p.sg]] = types
            if types:
                all_empty = False
            intersection &= set(types)
        if all_empty or intersection:
            return
        lines = []
        for name, types in per_subgraph.items():
            desc = ("types " if len(types) > 1 else "type ") + ", ".join(f'"{t}"' for t in types) if types else "no runtime type is defined"
            lines.append(f" - in subgraph \"{name}\", {desc}")
        key = f"SHAREABLE:{parent.name}.{f.name}"
        if key in self._error_keys:
            return
        self._error_keys.add(key)
        self.errors.append(
            CompositionError(
                "SHAREABLE_HAS_MISMATCHED_RUNTIME_TYPES",
                f"For the following supergraph API query:\n{self.witness(path + [Step('field', f.name, f)], abstract_tail=True)}\n"
                f'Shared field "{parent.name}.{f.name}" return type "{f.type}" has a non-intersecting set of possible runtime types across subgraphs. Runtime types in subgraphs are:\n'
                + ";\n".join(lines)
                + ".\nThis is not allowed as shared fields must resolve the same way in all subgraphs, and that imply at least some common runtime types between the subgraphs.",
                list(per_subgraph),
                f"{parent.name}.{f.name}",
            )
        )

    def _resolving_graphs(self, parent: TypeDef, f: Field) -> list[int]:
        joins = [d for d in f.directives if d.name == "join__field"]
        if not joins:
            graphs = [
                i for i, sg in enumerate(self.subgraphs) if parent.name in sg.schema.types
            ]
            return graphs
        result = []
        for d in joins:
            graph = d.arg_value("graph")
            if graph is None or d.arg_value("external") or d.arg_value("usedOverridden"):
                continue
            result.append(graph)
        return result

    # ------------------------------------------------------------------ errors

    def report(self, path: list[Step], reasons: list[tuple[int, str]]) -> None:
        witness = self.witness(path)
        key = f"{self.tag}|{witness}"
        if key in self._error_keys:
            return
        self._error_keys.add(key)
        by_subgraph: dict[int, list[str]] = {}
        for idx, reason in reasons:
            if reason not in by_subgraph.setdefault(idx, []):
                by_subgraph[idx].append(reason)
        lines = []
        for idx, rs in by_subgraph.items():
            if len(rs) == 1:
                lines.append(f'- from subgraph "{self.names[idx]}": {rs[0]}.')
            else:
                lines.append(f'- from subgraph "{self.names[idx]}":' + "".join(f"\n  - {r}." for r in rs))
        message = (
            f"The following supergraph API query:\n{witness}\ncannot be satisfied by the subgraphs because:\n"
            + "\n".join(lines)
        )
        error = CompositionError("SATISFIABILITY_ERROR", message, [self.names[i] for i in by_subgraph], _coordinate(path))
        if self.tag is not None:
            coordinate, subgraph = self.tag
            self.mutation_errors[coordinate][subgraph].append(error)
        else:
            self.errors.append(error)

    def witness(self, path: list[Step], abstract_tail: bool = False) -> str:
        """The smallest query reaching the problem, printed like Apollo's witness."""

        def head(step: Step) -> str:
            if step.kind == "cast":
                return f"... on {step.name}"
            args = ""
            if step.field is not None:
                required = [a for a in step.field.args.values() if a.is_required()]
                if required:
                    args = "(" + ", ".join(f"{a.name}: {self._witness_value(a.type)}" for a in required) + ")"
            return step.name + args

        def render(i: int, indent: str) -> str:
            step = path[i]
            if i == len(path) - 1:
                target = self.schema.types.get(base_name(step.field.type)) if step.field is not None else None
                if step.kind == "field" and (target is None or not target.is_composite):
                    return indent + head(step)
                return f"{indent}{head(step)} {{\n{indent}  ...\n{indent}}}"
            return f"{indent}{head(step)} {{\n{render(i + 1, indent + '  ')}\n{indent}}}"

        if not path:
            return "{}"
        return "{\n" + render(0, "  ") + "\n}"

    def _witness_value(self, ref: TypeRef, depth: int = 0) -> str:
        if isinstance(ref, NonNullRef):
            return self._witness_value(ref.of, depth)
        if isinstance(ref, ListRef):
            return "[]"
        name = base_name(ref)
        t = self.schema.types.get(name)
        if name == "Int":
            return "0"
        if name == "Float":
            return "3.14"
        if name == "Boolean":
            return "true"
        if name in ("String",):
            return '"A string value"'
        if name == "ID":
            return '"<any id>"'
        if t is not None and t.kind == "ENUM" and t.values:
            return next(iter(t.values))
        if t is not None and t.kind == "INPUT_OBJECT" and depth < 3:
            fields = [f for f in t.input_fields.values() if f.is_required()]
            return "{" + ", ".join(f"{f.name}: {self._witness_value(f.type, depth + 1)}" for f in fields) + "}"
        return '"<any value>"'


_MISSING = object()


def _freeze(selections: list[Selection]) -> Provided:
    items = []
    for s in selections:
        if isinstance(s, FieldSelection):
            items.append(("f", s.name, _freeze(s.selections) if s.selections else ()))
        else:
            items.append(("t", s.type_condition, _freeze(s.selections)))
    return tuple(items)


def _provided_child(provided: Provided, field_name: str) -> Any:
    if not provided:
        return _MISSING
    found: Any = _MISSING
    for item in provided:
        if item[0] == "f" and item[1] == field_name:
            found = item[2] if found is _MISSING else found + item[2]
        elif item[0] == "t" and item[1] is None:
            child = _provided_child(item[2], field_name)
            if child is not _MISSING:
                found = child
    return found


def _provided_cast(provided: Provided, type_name: str) -> Provided:
    if not provided:
        return provided
    result = []
    for item in provided:
        if item[0] == "t":
            if item[1] == type_name or item[1] is None:
                result.extend(item[2])
        else:
            result.append(item)
    return tuple(result)


def _coordinate(path: list[Step]) -> str | None:
    for step in reversed(path):
        if step.kind == "field" and step.field is not None:
            return f"{step.parent}.{step.name}" if step.parent else step.name
    return None


__all__ = ["check_satisfiability"]
