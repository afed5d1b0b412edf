"""``@authenticated`` / ``@requiresScopes`` / ``@policy`` enforced before planning.

Follows Apollo Router's model ("Authorization in the GraphOS Router"): unauthorized
fields are removed from the operation before it is planned, so no subgraph is asked
for them; the response keeps the client's shape with ``null`` there (the executor
shapes it from the original operation, with normal null propagation) and one error
per removed selection, ``extensions.code = UNAUTHORIZED_FIELD_OR_TYPE``, whose path
names the field (``"@"`` stands for every list item, ``"... on T"`` for a removed
type condition). Rules, as in Apollo Router:

- a field is unauthorized when its own requirement or the requirement of the type
  it returns is not met; on an interface, also when an implementation's field is;
- a field returning an interface, with fields selected directly on it, is
  unauthorized when any implementation type is (the data could be of that type);
- a fragment whose type condition is unauthorized is removed;
- introspection (``__schema``, ``__type``) and ``__typename`` are never filtered.

Deviations, on purpose: paths use response keys (aliases), as the response does;
when every child of a field is removed the field itself stays (``{email: null}``
rather than ``null``) so only what is unauthorized is missing; and when every root
field is removed the operation still runs (as ``{ __typename }``, answered by the
router) so ``data`` has the client's shape with nulls instead of ``data: null``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    NameNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    get_named_type,
)

from router.planning.normalize import included

UNAUTHORIZED_MESSAGE = "Unauthorized field or type"
UNAUTHORIZED_CODE = "UNAUTHORIZED_FIELD_OR_TYPE"

Path = tuple[str, ...]


@dataclass(frozen=True)
class Requirement:
    """What one coordinate demands. ``scopes``/``policies`` are an OR of AND-sets."""

    authenticated: bool = False
    scopes: tuple[frozenset[str], ...] = ()
    policies: tuple[frozenset[str], ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.authenticated or self.scopes or self.policies)

    def policy_names(self) -> frozenset[str]:
        return frozenset(name for group in self.policies for name in group)


def _or_of_ands(value: Any) -> tuple[frozenset[str], ...]:
    if not value:
        return ()
    return tuple(frozenset(str(item) for item in group) for group in value)


def requirement_from(meta: Any) -> Requirement | None:
    """A :class:`Requirement` from the supergraph's metadata object or mapping (None if nothing)."""
    if meta is None:
        return None
    get = meta.get if isinstance(meta, dict) else (lambda key, default=None: getattr(meta, key, default))
    requirement = Requirement(
        authenticated=bool(get("authenticated", False)),
        scopes=_or_of_ands(get("requires_scopes", None) or get("scopes", None)),
        policies=_or_of_ands(get("policies", None)),
    )
    return None if requirement.empty else requirement


class AuthorizationRules:
    """Requirements per type and per field coordinate of the API schema."""

    def __init__(
        self,
        types: dict[str, Requirement] | None = None,
        fields: dict[tuple[str, str], Requirement] | None = None,
    ) -> None:
        self.types = types or {}
        self.fields = fields or {}

    @property
    def empty(self) -> bool:
        return not self.types and not self.fields

    @classmethod
    def from_supergraph(cls, supergraph: Any, schema: GraphQLSchema) -> "AuthorizationRules":
        """Read the core's ``supergraph.authorization`` (``.type(name)``, ``.field(type, field)``)."""
        source = getattr(supergraph, "authorization", None)
        if source is None:
            return cls.from_schema_directives(schema)
        types: dict[str, Requirement] = {}
        fields: dict[tuple[str, str], Requirement] = {}
        if isinstance(getattr(source, "types", None), dict) and isinstance(getattr(source, "fields", None), dict):
            for name, meta in source.types.items():
                if (requirement := requirement_from(meta)) and name in schema.type_map:
                    types[name] = requirement
            for coordinate, meta in source.fields.items():
                if requirement := requirement_from(meta):
                    fields[tuple(coordinate)] = requirement  # type: ignore[index]
            return cls(types, fields)
        for name, named_type in schema.type_map.items():
            if name.startswith("__"):
                continue
            requirement = requirement_from(source.type(name))
            if requirement:
                types[name] = requirement
            if isinstance(named_type, (GraphQLObjectType, GraphQLInterfaceType)):
                for field_name in named_type.fields:
                    requirement = requirement_from(source.field(name, field_name))
                    if requirement:
                        fields[(name, field_name)] = requirement
        return cls(types, fields)

    @classmethod
    def from_schema_directives(cls, schema: GraphQLSchema) -> "AuthorizationRules":
        """Read ``@authenticated``/``@requiresScopes``/``@policy`` from SDL AST nodes.

        For schemas built from SDL that keep these directives (tests, plain graphs).
        """
        types: dict[str, Requirement] = {}
        fields: dict[tuple[str, str], Requirement] = {}
        for name, named_type in schema.type_map.items():
            if name.startswith("__"):
                continue
            requirement = _requirement_from_nodes(_ast_nodes(named_type))
            if requirement:
                types[name] = requirement
            if isinstance(named_type, (GraphQLObjectType, GraphQLInterfaceType)):
                for field_name, field in named_type.fields.items():
                    requirement = _requirement_from_nodes([field.ast_node] if field.ast_node else [])
                    if requirement:
                        fields[(name, field_name)] = requirement
        return cls(types, fields)


def _ast_nodes(named_type: GraphQLNamedType) -> list[Any]:
    nodes = [named_type.ast_node] if named_type.ast_node else []
    return nodes + list(named_type.extension_ast_nodes or ())


def _requirement_from_nodes(nodes: Iterable[Any]) -> Requirement | None:
    authenticated = False
    scopes: list[frozenset[str]] = []
    policies: list[frozenset[str]] = []
    for node in nodes:
        for directive in node.directives or ():
            name = directive.name.value
            if name == "authenticated":
                authenticated = True
            elif name in ("requiresScopes", "policy"):
                for argument in directive.arguments or ():
                    groups = tuple(
                        frozenset(item.value for item in group.values)  # type: ignore[attr-defined]
                        for group in argument.value.values  # type: ignore[attr-defined]
                    )
                    (scopes if name == "requiresScopes" else policies).extend(groups)
    requirement = Requirement(authenticated, tuple(scopes), tuple(policies))
    return None if requirement.empty else requirement


# ------------------------------------------------------------------------ the walk


Allows = Callable[[Requirement], bool]


def _list_depth(type_: GraphQLOutputType) -> int:
    depth = 0
    while isinstance(type_, (GraphQLNonNull, GraphQLList)):
        if isinstance(type_, GraphQLList):
            depth += 1
        type_ = type_.of_type
    return depth


_TYPENAME = FieldNode(name=NameNode(value="__typename"), directives=(), arguments=())


class _Walker:
    """Shared rules of both passes: which requirements a selection is subject to."""

    def __init__(self, schema: GraphQLSchema, rules: AuthorizationRules, fragments: dict[str, FragmentDefinitionNode]):
        self.schema = schema
        self.rules = rules
        self.fragments = fragments

    def field_requirements(self, parent: GraphQLNamedType, node: FieldNode, is_root: bool) -> list[Requirement]:
        rules = self.rules
        name = node.name.value
        field = parent.fields[name]  # type: ignore[attr-defined]
        found: list[Requirement] = []
        if is_root and (root_rule := rules.types.get(parent.name)):
            found.append(root_rule)
        if rule := rules.fields.get((parent.name, name)):
            found.append(rule)
        return_type = get_named_type(field.type)
        if rule := rules.types.get(return_type.name):
            found.append(rule)
        if isinstance(parent, GraphQLInterfaceType):
            for implementation in self.schema.get_possible_types(parent):
                if rule := rules.fields.get((implementation.name, name)):
                    found.append(rule)
                impl_field = implementation.fields.get(name)
                if impl_field is not None:
                    impl_return = get_named_type(impl_field.type)
                    if impl_return is not return_type and (rule := rules.types.get(impl_return.name)):
                        found.append(rule)
        if isinstance(return_type, GraphQLInterfaceType) and _selects_fields_directly(node.selection_set):
            for implementation in self.schema.get_possible_types(return_type):
                if rule := rules.types.get(implementation.name):
                    found.append(rule)
        return found

    def child_type(self, parent: GraphQLNamedType, node: FieldNode) -> tuple[GraphQLNamedType, int]:
        field = parent.fields[node.name.value]  # type: ignore[attr-defined]
        return get_named_type(field.type), _list_depth(field.type)

    def condition_type(self, parent: GraphQLNamedType, condition: NamedTypeNode | None) -> GraphQLNamedType:
        if condition is None:
            return parent
        named = self.schema.get_type(condition.name.value)
        return named if named is not None else parent


def _selects_fields_directly(selection_set: SelectionSetNode | None) -> bool:
    if selection_set is None:
        return False
    return any(
        isinstance(selection, FieldNode) and selection.name.value != "__typename"
        for selection in selection_set.selections
    )


def _is_introspection(node: FieldNode, is_root: bool) -> bool:
    return node.name.value == "__typename" or (is_root and node.name.value in ("__schema", "__type"))


class _Collector(_Walker):
    """First pass (cached per operation): every requirement the operation touches."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.found: dict[Requirement, None] = {}
        self._seen_fragments: set[str] = set()

    def selection_set(self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType, is_root: bool) -> None:
        if selection_set is None:
            return
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if _is_introspection(selection, is_root):
                    continue
                for requirement in self.field_requirements(parent, selection, is_root):
                    self.found[requirement] = None
                child, _ = self.child_type(parent, selection)
                self.selection_set(selection.selection_set, child, False)
            elif isinstance(selection, InlineFragmentNode):
                condition = self.condition_type(parent, selection.type_condition)
                if rule := self.rules.types.get(condition.name):
                    self.found[rule] = None
                self.selection_set(selection.selection_set, condition, is_root)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None:
                    continue
                condition = self.condition_type(parent, fragment.type_condition)
                if rule := self.rules.types.get(condition.name):
                    self.found[rule] = None
                # Requirements inside depend on the fragment only (is_root aside), so one visit suffices.
                key = f"{name}:{is_root}"
                if key not in self._seen_fragments:
                    self._seen_fragments.add(key)
                    self.selection_set(fragment.selection_set, condition, is_root)


def _conditions(node: Any) -> tuple[DirectiveNode, ...]:
    return tuple(d for d in (node.directives or ()) if d.name.value in ("skip", "include"))


class _Filter(_Walker):
    """Second pass (per distinct verdict): the operation without unauthorized selections."""

    def __init__(self, *args: Any, allows: Allows) -> None:
        super().__init__(*args)
        self.allows = allows
        self.removed: list[Path] = []
        # the @skip/@include on the way to each removed selection: its error is only reported
        # to requests whose variables include it (the filtered operation serves them all)
        self.removed_when: list[tuple[DirectiveNode, ...]] = []
        self._enclosing: list[DirectiveNode] = []

    def _remove(self, path: Path, own: tuple[DirectiveNode, ...]) -> None:
        self.removed.append(path)
        self.removed_when.append((*self._enclosing, *own))

    def selection_set(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType, path: Path, is_root: bool
    ) -> SelectionSetNode | None:
        """The filtered selection set, or None when nothing is left in it."""
        kept: list[SelectionNode] = []
        changed = False
        for selection in selection_set.selections:
            result = self.selection(selection, parent, path, is_root)
            if result is not selection:
                changed = True
            if result is not None:
                kept.append(result)
        if not kept:
            return None
        if not changed:
            return selection_set
        return dataclasses.replace(selection_set, selections=tuple(kept))

    def selection(
        self, selection: SelectionNode, parent: GraphQLNamedType, path: Path, is_root: bool
    ) -> SelectionNode | None:
        if isinstance(selection, FieldNode):
            return self.field(selection, parent, path, is_root)
        if isinstance(selection, InlineFragmentNode):
            condition = self.condition_type(parent, selection.type_condition)
            own = _conditions(selection)
            if (rule := self.rules.types.get(condition.name)) and not self.allows(rule):
                self._remove(path + (f"... on {condition.name}",), own)
                return None
            self._enclosing.extend(own)
            inner = self.selection_set(selection.selection_set, condition, path, is_root)
            del self._enclosing[len(self._enclosing) - len(own) :]
            if inner is None:
                return None
            return selection if inner is selection.selection_set else dataclasses.replace(selection, selection_set=inner)
        if isinstance(selection, FragmentSpreadNode):
            fragment = self.fragments[selection.name.value]
            condition = self.condition_type(parent, fragment.type_condition)
            own = _conditions(selection)
            if (rule := self.rules.types.get(condition.name)) and not self.allows(rule):
                self._remove(path + (f"... on {condition.name}",), own)
                return None
            self._enclosing.extend(own)
            inner = self.selection_set(fragment.selection_set, condition, path, is_root)
            del self._enclosing[len(self._enclosing) - len(own) :]
            if inner is None:
                return None
            # Inlined: the filtered document carries no fragment definitions.
            return InlineFragmentNode(
                type_condition=fragment.type_condition, directives=selection.directives or (), selection_set=inner
            )
        return selection  # pragma: no cover - no other selection kinds

    def field(self, node: FieldNode, parent: GraphQLNamedType, path: Path, is_root: bool) -> FieldNode | None:
        if _is_introspection(node, is_root):
            return node
        key = node.alias.value if node.alias else node.name.value
        child, list_depth = self.child_type(parent, node)
        field_path = path + (key,) + ("@",) * list_depth
        own = _conditions(node)
        if not all(self.allows(rule) for rule in self.field_requirements(parent, node, is_root)):
            self._remove(path + (key,), own)
            return None
        if node.selection_set is None:
            return node
        self._enclosing.extend(own)
        inner = self.selection_set(node.selection_set, child, field_path, False)
        del self._enclosing[len(self._enclosing) - len(own) :]
        if inner is None:
            # Keep the object itself; only its unauthorized fields come out null.
            inner = SelectionSetNode(selections=(_TYPENAME,))
        return node if inner is node.selection_set else dataclasses.replace(node, selection_set=inner)


@dataclass(frozen=True)
class FilterResult:
    document: DocumentNode
    removed: tuple[Path, ...]
    removed_when: tuple[tuple[DirectiveNode, ...], ...] = ()  # per removed path: its @skip/@include

    def reported(self, variables: Mapping[str, Any]) -> tuple[Path, ...]:
        """The removed selections this request includes: a field it skips was never asked for."""
        if not any(self.removed_when):
            return self.removed
        return tuple(
            path for path, when in zip(self.removed, self.removed_when) if included(when, variables)
        )


class OperationAuthorization:
    """Authorization facts of one operation: computed once, reused for every caller."""

    def __init__(
        self,
        schema: GraphQLSchema,
        rules: AuthorizationRules,
        document: DocumentNode,
        operation: OperationDefinitionNode,
    ) -> None:
        self._schema = schema
        self._rules = rules
        self._document = document
        self._operation = operation
        self._fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.requirements: tuple[Requirement, ...] = ()
        if not rules.empty:
            collector = _Collector(schema, rules, self._fragments)
            collector.selection_set(operation.selection_set, self._root_type(), True)
            self.requirements = tuple(collector.found)
        self.policy_names = frozenset(name for r in self.requirements for name in r.policy_names())
        self._filtered: dict[tuple[bool, ...], FilterResult | None] = {}

    def _root_type(self) -> GraphQLObjectType:
        root = self._schema.get_root_type(self._operation.operation)
        assert root is not None, "validated operations have a root type"
        return root

    def verdict(self, allows: Allows) -> tuple[bool, ...]:
        return tuple(allows(requirement) for requirement in self.requirements)

    def filter(self, allows: Allows) -> FilterResult | None:
        """The operation as this caller may run it; None when nothing needs removing."""
        verdict = self.verdict(allows)
        if all(verdict):
            return None
        if verdict in self._filtered:
            return self._filtered[verdict]
        walker = _Filter(self._schema, self._rules, self._fragments, allows=allows)
        selection_set = walker.selection_set(self._operation.selection_set, self._root_type(), (), True)
        if selection_set is None:
            selection_set = SelectionSetNode(selections=(_TYPENAME,))
        operation = dataclasses.replace(self._operation, selection_set=selection_set)
        result = FilterResult(DocumentNode(definitions=(operation,)), tuple(walker.removed), tuple(walker.removed_when))
        if len(self._filtered) < 64:
            self._filtered[verdict] = result
        return result


def unauthorized_errors(paths: Iterable[Path]) -> list[dict[str, Any]]:
    return [
        {"message": UNAUTHORIZED_MESSAGE, "path": list(path), "extensions": {"code": UNAUTHORIZED_CODE}}
        for path in paths
    ]


def make_allows(authenticated: bool, scopes: frozenset[str], granted_policies: frozenset[str]) -> Allows:
    def allows(requirement: Requirement) -> bool:
        if requirement.authenticated and not authenticated:
            return False
        if requirement.scopes and not any(group <= scopes for group in requirement.scopes):
            return False
        if requirement.policies and not any(group <= granted_policies for group in requirement.policies):
            return False
        return True

    return allows


@dataclass(frozen=True)
class Authorized:
    """One caller's view of an operation: what to plan, what to shape the answer from
    (the client's document when fields were removed, else None), the plan cache key
    (one per verdict) and the removed selections to report."""

    document: DocumentNode
    shape_document: DocumentNode | None
    plan_key: str
    removed: tuple[Path, ...]
