"""Parse, validate and measure operations once per text, then serve them from memory.

Most traffic repeats a small set of operation texts, so parsing and validating them
again on every request is wasted CPU; these caches make the per-request cost a dict
lookup. Failures are cached too (a client retrying a broken query costs nothing),
and both caches are bounded LRUs so a stream of unique texts cannot grow memory.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    parse,
    specified_rules,
    validate,
)
from graphql.validation import ASTValidationRule

from router.config import Limits
from router.gateway.authorization import AuthorizationRules, OperationAuthorization
from router.gateway.defer_documents import DeferUse, defer_use
from router.gateway.errors import RequestError, error_dict, format_error
from router.guards import NoIntrospectionRule, check_limits, measure_operation

K = TypeVar("K")
V = TypeVar("V")

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
UNKNOWN_OPERATION = "GRAPHQL_UNKNOWN_OPERATION_NAME"


class LRU(Generic[K, V]):
    """A small least-recently-used map (single event loop, so no locking)."""

    def __init__(self, max_entries: int) -> None:
        self._data: OrderedDict[K, V] = OrderedDict()
        self._max = max_entries

    def get(self, key: K) -> V | None:
        value = self._data.get(key)
        if value is not None:
            self._data.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> V:
        self._data[key] = value
        self._data.move_to_end(key)
        if len(self._data) > self._max:
            self._data.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._data)


@dataclass
class ParsedDocument:
    """One query text: its AST, or why it failed to parse or validate."""

    document: DocumentNode | None
    syntax_errors: list[dict[str, Any]] = field(default_factory=list)
    validation_errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class PreparedOperation:
    """One (text, operationName): the operation to run and everything known about it statically."""

    text: str
    document: DocumentNode
    operation: OperationDefinitionNode
    kind: OperationType
    validation_errors: list[dict[str, Any]]
    guard_errors: list[dict[str, Any]]
    authorization: OperationAuthorization | None = None
    defer: DeferUse | None = None  # None: no @defer (see router.gateway.defer)

    @property
    def operation_name(self) -> str | None:
        return self.operation.name.value if self.operation.name else None


@dataclass
class _OperationFailure:
    errors: list[dict[str, Any]]


class DocumentStore:
    """Parse/validate cache by text and operation cache by (text, operationName)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        limits: Limits,
        *,
        introspection: bool = True,
        authorization: AuthorizationRules | None = None,
        max_entries: int = 2_000,
    ) -> None:
        self.schema = schema
        self.limits = limits
        self.authorization_rules = authorization or AuthorizationRules()
        rules: list[type[ASTValidationRule]] = list(specified_rules)
        if not introspection:
            rules.append(NoIntrospectionRule)
        self._rules: Sequence[type[ASTValidationRule]] = tuple(rules)
        self._documents: LRU[str, ParsedDocument] = LRU(max_entries)
        self._operations: LRU[tuple[str, str | None], PreparedOperation | _OperationFailure] = LRU(max_entries)

    # ------------------------------------------------------------------ documents
    def document(self, text: str) -> ParsedDocument:
        cached = self._documents.get(text)
        if cached is None:
            cached = self._documents.put(text, self._parse_and_validate(text))
        return cached

    def _parse_and_validate(self, text: str) -> ParsedDocument:
        limit = self.limits.max_tokens
        try:
            document = parse(
                text,
                max_lexical_tokens=limit,
                max_comments=limit,
                allow_empty_selection_sets=False,
            )
        except GraphQLError as error:
            return ParsedDocument(None, syntax_errors=[_parse_error(error, limit)])
        except RecursionError:
            return ParsedDocument(None, syntax_errors=[error_dict("Document is nested too deeply.", PARSE_FAILED)])
        try:
            errors = validate(
                self.schema,
                document,
                self._rules,
                max_errors=self.limits.max_validation_errors,
                allow_empty_selection_sets=False,
            )
        except RecursionError:
            errors = [GraphQLError("Document is nested too deeply to validate.")]
        return ParsedDocument(document, validation_errors=[format_error(e, VALIDATION_FAILED) for e in errors])

    # ----------------------------------------------------------------- operations
    def operation(self, text: str, operation_name: str | None) -> PreparedOperation:
        """The selected operation, or a :class:`RequestError` (parse failure, no such operation)."""
        key = (text, operation_name)
        cached = self._operations.get(key)
        if cached is None:
            cached = self._operations.put(key, self._prepare(text, operation_name))
        if isinstance(cached, _OperationFailure):
            raise RequestError(cached.errors)
        return cached

    def _prepare(self, text: str, operation_name: str | None) -> PreparedOperation | _OperationFailure:
        parsed = self.document(text)
        if parsed.document is None:
            return _OperationFailure(parsed.syntax_errors)
        operation = _select_operation(parsed.document, operation_name)
        if isinstance(operation, _OperationFailure):
            return operation
        guard_errors: list[dict[str, Any]] = []
        authorization: OperationAuthorization | None = None
        defer: DeferUse | None = None
        if not parsed.validation_errors:
            try:
                shape = measure_operation(parsed.document, operation)
                guard_errors = [format_error(e, "LIMIT_EXCEEDED") for e in check_limits(shape, self.limits)]
                if not guard_errors:
                    authorization = OperationAuthorization(
                        self.schema, self.authorization_rules, parsed.document, operation
                    )
                    defer = defer_use(parsed.document, operation.name.value if operation.name else None)
            except RecursionError:
                guard_errors = [error_dict("Operation is nested too deeply.", "MAX_DEPTH_LIMIT")]
        return PreparedOperation(
            text=text,
            document=parsed.document,
            operation=operation,
            kind=operation.operation,
            validation_errors=parsed.validation_errors,
            guard_errors=guard_errors,
            authorization=authorization,
            defer=defer,
        )


def _parse_error(error: GraphQLError, token_limit: int | None) -> dict[str, Any]:
    formatted = format_error(error, PARSE_FAILED)
    if token_limit is not None and "contains more than" in error.message:
        formatted["message"] = (
            f"{error.message} The router accepts at most {token_limit} tokens and {token_limit} comments"
            " per document (ROUTER_MAX_TOKENS)."
        )
        formatted["extensions"]["code"] = "MAX_TOKENS_LIMIT"
    return formatted


def _select_operation(
    document: DocumentNode, operation_name: str | None
) -> OperationDefinitionNode | _OperationFailure:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        if len(operations) == 1:
            return operations[0]
        if not operations:
            return _OperationFailure([error_dict("The document contains no operation to execute.", UNKNOWN_OPERATION)])
        return _OperationFailure(
            [error_dict("Must provide operation name if query contains multiple operations.", UNKNOWN_OPERATION)]
        )
    for operation in operations:
        if operation.name is not None and operation.name.value == operation_name:
            return operation
    return _OperationFailure([error_dict(f"Unknown operation named '{operation_name}'.", UNKNOWN_OPERATION)])

