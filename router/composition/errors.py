"""Composition errors and hints, with Apollo's error codes.

Each code carries a one-line fix hint so a developer reading CI output knows what
to change without looking the code up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# code -> one-line hint on how to fix it (wording ours; codes are Apollo's).
HINTS: dict[str, str] = {
    "INVALID_GRAPHQL": "fix the subgraph SDL so it is valid GraphQL",
    "INVALID_SUBGRAPH_NAME": "rename the subgraph",
    "DIRECTIVE_DEFINITION_INVALID": "make the directive definition match the federation specification (or drop it)",
    "TYPE_DEFINITION_INVALID": "make the type definition match the federation specification (or drop it)",
    "UNKNOWN_FEDERATION_LINK_VERSION": "@link to a known federation version (v2.0 to v2.12)",
    "UNKNOWN_LINK_VERSION": "@link to https://specs.apollo.dev/link/v1.0",
    "INVALID_LINK_DIRECTIVE_USAGE": "fix the @link arguments (url, as, import)",
    "INVALID_LINK_IDENTIFIER": "use a spec URL of the form https://host/name/vX.Y",
    "LINK_IMPORT_NAME_MISMATCH": "import the directive under the same name in every subgraph",
    "UNSUPPORTED_LINKED_FEATURE": "remove the unsupported @link",
    "KEY_FIELDS_SELECT_INVALID_TYPE": "select only object, scalar or enum fields in @key",
    "KEY_INVALID_FIELDS": "make @key(fields:) a valid selection of fields defined on the type",
    "KEY_INVALID_FIELDS_TYPE": "pass @key(fields:) as a string",
    "KEY_FIELDS_HAS_ARGS": "do not use fields with arguments in @key",
    "KEY_DIRECTIVE_IN_FIELDS_ARG": "remove directives from @key(fields:)",
    "KEY_UNSUPPORTED_ON_INTERFACE": "@link to federation v2.3+ to use @key on interfaces",
    "PROVIDES_INVALID_FIELDS": "make @provides(fields:) a valid selection on the field's type",
    "PROVIDES_INVALID_FIELDS_TYPE": "pass @provides(fields:) as a string",
    "PROVIDES_FIELDS_HAS_ARGS": "do not use fields with arguments in @provides",
    "PROVIDES_DIRECTIVE_IN_FIELDS_ARG": "remove directives from @provides(fields:)",
    "PROVIDES_FIELDS_MISSING_EXTERNAL": "mark the provided fields @external in this subgraph",
    "PROVIDES_UNSUPPORTED_ON_INTERFACE": "move @provides to the implementations' fields",
    "PROVIDES_ON_NON_OBJECT_FIELD": "only put @provides on fields returning object, interface or union types",
    "REQUIRES_INVALID_FIELDS": "make @requires(fields:) a valid selection of fields of the parent type",
    "REQUIRES_INVALID_FIELDS_TYPE": "pass @requires(fields:) as a string",
    "REQUIRES_DIRECTIVE_IN_FIELDS_ARG": "remove directives from @requires(fields:)",
    "REQUIRES_FIELDS_MISSING_EXTERNAL": "mark the required fields @external in this subgraph",
    "REQUIRES_FIELDS_HAS_ARGS": "do not use fields with arguments in @requires",
    "KEY_FIELDS_MISSING_EXTERNAL": "mark the key fields @external in this subgraph",
    "REQUIRES_UNSUPPORTED_ON_INTERFACE": "move @requires to the implementations' fields",
    "EXTERNAL_UNUSED": "use the @external field in a @key/@requires/@provides, or remove it",
    "EXTERNAL_ON_INTERFACE": "remove @external from the interface field",
    "EXTERNAL_MISSING_ON_BASE": "define the field without @external in the subgraph that resolves it",
    "EXTERNAL_TYPE_MISMATCH": "declare the @external field with the same type as where it is resolved",
    "EXTERNAL_ARGUMENT_MISSING": "declare the same arguments on the @external field",
    "EXTERNAL_ARGUMENT_TYPE_MISMATCH": "declare the @external field's arguments with the same types",
    "EXTERNAL_ARGUMENT_DEFAULT_MISMATCH": "declare the @external field's arguments with the same defaults",
    "EXTERNAL_COLLISION_WITH_ANOTHER_DIRECTIVE": "an @external field cannot also carry this directive",
    "MERGED_DIRECTIVE_APPLICATION_ON_EXTERNAL": "move the directive to the non-external declaration",
    "TYPE_WITH_ONLY_UNUSED_EXTERNAL": "remove the type or use its fields in @key/@requires/@provides",
    "EXTENSION_WITH_NO_BASE": "define the type (not only `extend` it) in at least one subgraph",
    "TYPE_KIND_MISMATCH": "declare the type with the same kind in every subgraph",
    "FIELD_TYPE_MISMATCH": "use the same (or a compatible sub-) type for the field in every subgraph",
    "FIELD_ARGUMENT_TYPE_MISMATCH": "use the same argument type in every subgraph",
    "FIELD_ARGUMENT_DEFAULT_MISMATCH": "use the same argument default in every subgraph",
    "INPUT_FIELD_DEFAULT_MISMATCH": "use the same input field default in every subgraph",
    "INVALID_FIELD_SHARING": "mark the field @shareable in every subgraph that resolves it (or @override it)",
    "INVALID_SHAREABLE_USAGE": "only use @shareable once per declaration, on object types and their fields",
    "SHAREABLE_HAS_MISMATCHED_RUNTIME_TYPES": "make the shared field return types with common implementations",
    "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH": "declare the required argument in every subgraph (or make it optional)",
    "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH": "declare the required input field in every subgraph (or make it optional)",
    "EMPTY_MERGED_INPUT_TYPE": "give the input type at least one field common to all subgraphs",
    "ENUM_VALUE_MISMATCH": "define the same enum values in every subgraph (the enum is used as input and output)",
    "EMPTY_MERGED_ENUM_TYPE": "give the enum at least one value common to all subgraphs",
    "INTERFACE_FIELD_NO_IMPLEM": "add the interface field to every implementation",
    "INTERFACE_KEY_NOT_ON_IMPLEMENTATION": "add the interface's @key to every implementation",
    "INTERFACE_KEY_MISSING_IMPLEMENTATION_TYPE": "define every implementation of the interface in that subgraph",
    "INTERFACE_OBJECT_USAGE_ERROR": "use @interfaceObject on an entity whose interface is defined elsewhere",
    "OVERRIDE_FROM_SELF_ERROR": "@override(from:) must name another subgraph",
    "OVERRIDE_SOURCE_HAS_OVERRIDE": "keep a single @override for the field",
    "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE": "remove @external/@requires/@provides from the overridden field",
    "OVERRIDE_ON_INTERFACE": "use @override on the implementations' fields",
    "OVERRIDE_LABEL_INVALID": "use a label like 'my-flag' or 'percent(5)'",
    "REFERENCED_INACCESSIBLE": "also mark the referencing element @inaccessible, or expose the type",
    "DEFAULT_VALUE_USES_INACCESSIBLE": "change the default value or expose the element",
    "QUERY_ROOT_TYPE_INACCESSIBLE": "the Query type cannot be @inaccessible",
    "REQUIRED_INACCESSIBLE": "make the element optional before marking it @inaccessible",
    "IMPLEMENTED_BY_INACCESSIBLE": "also mark the interface field @inaccessible",
    "DISALLOWED_INACCESSIBLE": "remove @inaccessible from this element",
    "ONLY_INACCESSIBLE_CHILDREN": "keep at least one visible child or mark the type @inaccessible",
    "NO_QUERIES": "define at least one Query field in some subgraph",
    "ROOT_QUERY_USED": "rename the type that clashes with the query root type name",
    "ROOT_MUTATION_USED": "rename the type that clashes with the mutation root type name",
    "ROOT_SUBSCRIPTION_USED": "rename the type that clashes with the subscription root type name",
    "SATISFIABILITY_ERROR": "make the field reachable: add a resolvable @key to the type or @shareable copies",
    "DIRECTIVE_COMPOSITION_ERROR": "fix the @composeDirective / @link of the custom directive",
    "AUTH_REQUIREMENTS_APPLIED_ON_INTERFACE": "put @authenticated/@requiresScopes/@policy on the implementations",
    "MISSING_TRANSITIVE_AUTH_REQUIREMENTS": "repeat the auth requirements of the required data on the @requires field",
    "CONTEXT_NOT_SET": "set the context with @context on a parent type",
    "CONTEXT_INVALID_SELECTION": "select a single field in @fromContext",
    "NO_CONTEXT_IN_SELECTION": "start the @fromContext selection with $contextName",
    "CONTEXT_NO_RESOLVABLE_KEY": "give the type a resolvable @key",
    "CONTEXT_NAME_INVALID": "use an alphanumeric context name without underscores",
    "CONTEXTUAL_ARGUMENT_NOT_CONTEXTUAL_IN_ALL_SUBGRAPHS": "use @fromContext on the argument everywhere or make it optional",
    "COST_APPLIED_TO_INTERFACE_FIELD": "put @cost on the concrete types",
    "LIST_SIZE_APPLIED_TO_NON_LIST": "only use @listSize on list fields",
    "LIST_SIZE_INVALID_ASSUMED_SIZE": "use a non-negative assumedSize",
    "LIST_SIZE_INVALID_SLICING_ARGUMENT": "name existing Int arguments in slicingArguments",
    "LIST_SIZE_INVALID_SIZED_FIELD": "name existing list fields in sizedFields",
    "UNSUPPORTED_FEATURE": "remove the unsupported feature",
    "MAX_VALIDATION_SUBGRAPH_PATHS_EXCEEDED": "simplify the graph",
}


@dataclass
class CompositionError:
    code: str
    message: str
    subgraphs: list[str] = field(default_factory=list)
    element: str | None = None

    @property
    def hint(self) -> str:
        return HINTS.get(self.code, "see the Apollo Federation composition error reference")

    def format(self) -> str:
        where = []
        if self.subgraphs:
            where.append("subgraph" + ("s " if len(self.subgraphs) > 1 else " ") + ", ".join(self.subgraphs))
        if self.element:
            where.append(self.element)
        location = f" [{'; '.join(where)}]" if where else ""
        return f"{self.code}{location}: {self.message}\n  hint: {self.hint}"

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass
class CompositionHint:
    code: str
    message: str
    element: str | None = None


class CompositionFailed(Exception):
    """Raised inside a stage to stop at the first batch of errors."""

    def __init__(self, errors: list[CompositionError]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def print_subgraph_names(names: list[str]) -> str:
    quoted = [f'"{n}"' for n in names]
    return human_list(quoted, "subgraph", "subgraphs")


def human_list(names: list[str], prefix: str | None = None, prefix_plural: str | None = None, cutoff: int = 100) -> str:
    """Apollo's ``printHumanReadableList``: "a, b and c", truncated past ``cutoff`` chars."""
    if not names:
        return ""
    if len(names) == 1:
        return f"{prefix} {names[0]}" if prefix else names[0]
    length = 0
    last_idx = 0
    for name in names:
        length += len(name)
        if length > cutoff:
            break
        last_idx += 1
    pfx = (prefix_plural or prefix or "") + " " if (prefix_plural or prefix) else ""
    if last_idx < len(names):
        shown = names[: max(last_idx, 1)]
        return pfx + ", ".join(shown) + ", ..."
    return pfx + ", ".join(names[:-1]) + " and " + names[-1]
