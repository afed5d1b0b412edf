"""Printing the supergraph SDL in Apollo's layout (same ordering and line
breaks as ``@apollo/composition``), so the committed file diffs cleanly and
matches what Apollo tooling produces."""

from __future__ import annotations

from router.composition import specs
from router.composition.merge import MergeResult, SpecLink
from router.composition.model import (
    DirectiveDef,
    Field,
    InputValue,
    TypeDef,
    print_directive,
    print_value,
)


def locale_key(name: str) -> tuple:
    """Sort key approximating JavaScript's ``localeCompare`` (ICU root collation):
    punctuation < digits < letters, case-insensitive first, lowercase first on ties."""
    primary = []
    for ch in name:
        if ch.isalpha():
            primary.append((3, ch.lower()))
        elif ch.isdigit():
            primary.append((2, ch))
        else:
            primary.append((1, ch))
    tertiary = tuple(0 if ch.islower() or not ch.isalpha() else 1 for ch in name)
    return (tuple(primary), tertiary)


def print_block_string(value: str, prefer_multiple_lines: bool = False) -> str:
    single_line = "\n" not in value
    leading_space = value[:1] in (" ", "\t")
    multiple = not single_line or value.endswith('"') or value.endswith("\\") or prefer_multiple_lines
    result = ""
    if multiple and not (single_line and leading_space):
        result += "\n"
    result += value
    if multiple:
        result += "\n"
    return '"""' + result.replace('"""', '\\"""') + '"""'


def print_description(description: str | None, indentation: str = "", first_in_block: bool = True) -> str:
    if description is None:
        return ""
    block = print_block_string(description, len(description) > 70)
    prefix = "\n" + indentation if indentation and not first_in_block else indentation
    return prefix + block.replace("\n", "\n" + indentation) + "\n"


def _directives_inline(directives) -> str:
    return "".join(" " + print_directive(d) for d in directives)


def _directives_block(directives, end_with_newline: bool) -> str:
    if not directives:
        return ""
    text = "\n  " + "\n  ".join(print_directive(d) for d in directives)
    return text + ("\n" if end_with_newline else "")


def print_arg(a: InputValue) -> str:
    text = f"{a.name}: {a.type}"
    if a.default is not None:
        text += " = " + print_value(a.default)
    return text + _directives_inline(a.directives)


def print_args(args: list[InputValue], indentation: str = "") -> str:
    if not args:
        return ""
    if all(not a.description for a in args):
        return "(" + ", ".join(print_arg(a) for a in args) + ")"
    lines = [
        print_description(a.description, "  " + indentation, i == 0) + "  " + indentation + print_arg(a)
        for i, a in enumerate(args)
    ]
    return "(\n" + "\n".join(lines) + "\n" + indentation + ")"


def _print_fields(fields: list[Field | InputValue]) -> str:
    if not fields:
        return ""
    lines = []
    for i, f in enumerate(fields):
        if isinstance(f, Field):
            body = f"{f.name}{print_args(list(f.args.values()), '  ')}: {f.type}"
        else:
            body = f"{f.name}: {f.type}"
            if f.default is not None:
                body += " = " + print_value(f.default)
        lines.append(print_description(f.description, "  ", i == 0) + "  " + body + _directives_inline(f.directives))
    return "{\n" + "\n".join(lines) + "\n}"


def print_type(t: TypeDef) -> str:
    desc = print_description(t.description)
    if t.kind == "SCALAR":
        return f"{desc}scalar {t.name}{_directives_block(t.directives, False)}"
    if t.kind in ("OBJECT", "INTERFACE"):
        keyword = "type" if t.kind == "OBJECT" else "interface"
        implements = " implements " + " & ".join(t.interfaces) if t.interfaces else ""
        fields = list(t.fields.values())
        return (
            f"{desc}{keyword} {t.name}{implements}"
            + _directives_block(t.directives, bool(fields))
            + (" " if not t.directives and fields else "")
            + _print_fields(fields)  # type: ignore[arg-type]
        )
    if t.kind == "INPUT_OBJECT":
        fields = list(t.input_fields.values())
        return (
            f"{desc}input {t.name}"
            + _directives_block(t.directives, bool(fields))
            + (" " if not t.directives and fields else "")
            + _print_fields(fields)  # type: ignore[arg-type]
        )
    if t.kind == "UNION":
        members = " = " + " | ".join(t.members) if t.members else ""
        return f"{desc}union {t.name}" + _directives_block(t.directives, bool(t.members)) + members
    values = list(t.values.values())
    lines = [
        print_description(v.description, "  ", i == 0) + "  " + v.name + _directives_inline(v.directives)
        for i, v in enumerate(values)
    ]
    block = "{\n" + "\n".join(lines) + "\n}" if lines else ""
    return (
        f"{desc}enum {t.name}"
        + _directives_block(t.directives, bool(values))
        + (" " if not t.directives and values else "")
        + block
    )


def print_directive_definition(d: DirectiveDef) -> str:
    return (
        f"{print_description(d.description)}directive @{d.name}{print_args(list(d.args.values()))}"
        f"{' repeatable' if d.repeatable else ''} on {' | '.join(d.locations)}"
    )


def _link_directive(link: SpecLink) -> str:
    parts = [f'url: "{link.url}"']
    if link.alias:
        parts.append(f'as: "{link.alias}"')
    if link.purpose:
        parts.append(f"for: {link.purpose}")
    imports = link.imports
    if link.spec is None:
        items = [f'"@{name}"' if name == alias else f'{{name: "@{name}", as: "@{alias}"}}' for name, alias in imports]
    else:
        items = [f'"@{name}"' if name == alias else f'{{name: "@{name}", as: "@{alias}"}}' for name, alias in imports]
    if items:
        parts.append("import: [" + ", ".join(items) + "]")
    return "@link(" + ", ".join(parts) + ")"


def print_supergraph(result: MergeResult) -> str:
    schema = result.supergraph
    assert schema is not None
    join_directives, join_types = specs.join_definitions(result.join_version)
    link_directives, link_types = specs.LINK_DEFINITIONS

    schema_directives = [
        '@link(url: "https://specs.apollo.dev/link/v1.0")',
        f'@link(url: "{specs.JOIN_IDENTITY}/v{result.join_version[0]}.{result.join_version[1]}", for: EXECUTION)',
    ]
    schema_directives += [_link_directive(l) for l in result.links]
    schema_directives += [print_directive(d) for d in schema.schema_directives]
    roots = [f"  {kind}: {schema.roots[kind]}" for kind in ("query", "mutation", "subscription") if kind in schema.roots]
    schema_block = (
        print_description(schema.description)
        + "schema\n  "
        + "\n  ".join(schema_directives)
        + "\n{\n"
        + "\n".join(roots)
        + "\n}"
    )

    directive_texts: dict[str, str] = {}
    for text in join_directives + link_directives:
        directive_texts[text.split("@", 1)[1].split("(", 1)[0].split(" ", 1)[0]] = text
    type_texts: dict[str, str] = {}
    for text in join_types + link_types:
        type_texts[text.split(" ", 2)[1]] = text
    graph_values = [
        f'  {result.graph_names[sg.name]} @join__graph(name: "{sg.name}", url: "{sg.url}")' for sg in result.subgraphs
    ]
    type_texts["join__Graph"] = "enum join__Graph {\n" + "\n".join(graph_values) + "\n}"

    for link in result.links:
        spec = link.spec
        if spec is None:
            continue
        imported = {name: alias for name, alias in link.imports}
        for name_in_spec, template in spec.directive_defs.items():
            default = spec.name if name_in_spec == spec.name else f"{spec.name}__{name_in_spec}"
            name = imported.get(name_in_spec, default)
            directive_texts[name] = template.replace("{name}", name).replace("{prefix}", spec.name)
        for template in spec.type_defs:
            text = template.replace("{prefix}", spec.name)
            type_texts[text.split(" ", 2)[1]] = text
    for d in schema.directive_defs.values():
        directive_texts[d.name] = print_directive_definition(d)
    for t in schema.types.values():
        type_texts[t.name] = print_type(t)

    blocks = [schema_block]
    blocks += [directive_texts[k] for k in sorted(directive_texts, key=locale_key)]
    blocks += [type_texts[k] for k in sorted(type_texts, key=locale_key)]
    return "\n\n".join(blocks)


__all__ = ["print_supergraph", "locale_key"]
