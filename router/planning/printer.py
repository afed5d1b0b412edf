"""Query plans as text, in the familiar Sequence/Parallel/Flatten/Fetch layout."""

from __future__ import annotations

from router.planning.plan import FetchNode, QueryPlan


def _path(path: tuple[str, ...]) -> str:
    return ".".join(path)


def _fetch(node: FetchNode, indent: str) -> list[str]:
    after = f", after: [{', '.join(str(d) for d in node.depends_on)}]" if node.depends_on else ""
    head = f'Fetch(service: "{node.subgraph}", id: {node.id}{after})'
    if node.is_entity:
        lines = [f'{indent}Flatten(path: "{_path(node.path)}") {{', f"{indent}  {head} {{"]
        lines.append(f"{indent}    {{ {node.requires_text} }} =>")
        lines.append(f"{indent}    {{ {node.selection_text} }}")
        lines.append(f"{indent}  }},")
        lines.append(f"{indent}}},")
        return lines
    keyword = "" if node.operation_kind == "query" else node.operation_kind + " "
    return [f"{indent}{head} {{", f"{indent}  {keyword}{{ {node.selection_text} }}", f"{indent}}},"]


def levels(plan: QueryPlan) -> list[list[FetchNode]]:
    """Fetches layered by dependency depth: every fetch of a layer can run together."""
    depth: dict[int, int] = {}
    by_id = {f.id: f for f in plan.fetches}

    def level(node: FetchNode) -> int:
        found = depth.get(node.id)
        if found is None:
            found = 1 + max((level(by_id[d]) for d in node.depends_on), default=-1)
            depth[node.id] = found
        return found

    layers: list[list[FetchNode]] = []
    for node in plan.fetches:
        index = level(node)
        while len(layers) <= index:
            layers.append([])
        layers[index].append(node)
    return layers


def print_plan(plan: QueryPlan) -> str:
    lines = ["QueryPlan {"]
    body: list[str] = []
    if plan.local is not None:
        body.append(f"  Local {{ {plan.local.operation} }},")
    layers = levels(plan)
    indent = "  "
    if len(layers) > 1:
        body.append("  Sequence {")
        indent = "    "
    for layer in layers:
        if len(layer) > 1:
            body.append(f"{indent}Parallel {{")
            for node in layer:
                body.extend(_fetch(node, indent + "  "))
            body.append(f"{indent}}},")
        else:
            body.extend(_fetch(layer[0], indent))
    if len(layers) > 1:
        body.append("  },")
    lines.extend(body)
    lines.append("}")
    return "\n".join(lines)
