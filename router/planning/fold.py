"""Fold per-type fragments back into interface selections in subgraph queries.

Planning splits every abstract selection per runtime type. When a subgraph would get the
very same fields for every implementation it has, and the interface itself declares them
there, asking for them once on the interface says the same in far less text; fragments
that only repeat ``__typename`` are dropped the same way. Answers do not change.
"""

from __future__ import annotations

from router.planning.steps import SelectionBuilder
from router.supergraph.model import Supergraph


def fold_fragments(builder: SelectionBuilder, subgraph: str, supergraph: Supergraph) -> None:
    for built in builder.fields.values():
        if built.child is not None:
            fold_fragments(built.child, subgraph, supergraph)
    for fragment in builder.fragments.values():
        fold_fragments(fragment, subgraph, supergraph)
    if builder.abstract is None or not builder.fragments or "__typename" not in builder.fields:
        return
    for type_name, fragment in list(builder.fragments.items()):
        if not fragment.fragments and set(fragment.fields) <= {"__typename"}:
            del builder.fragments[type_name]  # the selection already asks for __typename
    if not builder.fragments:
        return
    meta = supergraph.types.get(builder.abstract)
    placement = meta.placements.get(subgraph) if meta else None
    if meta is None or meta.kind != "interface" or placement is None or placement.is_interface_object:
        return
    possible = supergraph.possible_types_in(subgraph, builder.abstract)
    if set(builder.fragments) != set(possible):
        return
    rendered = {fragment.render() for fragment in builder.fragments.values()}
    if len(rendered) != 1:
        return
    sample = next(iter(builder.fragments.values()))
    if sample.fragments:
        return
    interface = supergraph.schema.type_map[builder.abstract]
    implementation = supergraph.schema.type_map[next(iter(builder.fragments))]
    for built in sample.fields.values():
        if built.name == "__typename":
            continue
        if built.name not in placement.fields:
            return
        declared = interface.fields.get(built.name)  # type: ignore[attr-defined]
        concrete = implementation.fields.get(built.name)  # type: ignore[attr-defined]
        if declared is None or concrete is None or str(declared.type) != str(concrete.type):
            return
        if placement.fields[built.name].type and placement.fields[built.name].type != built.type_ref:
            return
    for key, built in sample.fields.items():
        if key not in builder.fields:
            builder.fields[key] = built
    builder.fragments.clear()
