"""``@defer`` in the request pipeline: which documents to plan for a deferred operation, cached.

See ``defer_documents`` (the primary and full documents, the deferred fragments) and
``defer_results`` (the payloads). A deferred request costs two plans (primary, full),
both cached by the core under keys derived from the ordinary plan key; the transformed
documents are kept here, in an LRU, so the core's shape cache (by document identity)
hits too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import DocumentNode, FragmentDefinitionNode, GraphQLSchema, SelectionSetNode

from router.gateway.authorization import Authorized
from router.gateway.defer_documents import (
    DeferredFragment,
    defer_variables,
    deferred_fragments,
    full_document,
    has_defer,
    primary_document,
)
from router.gateway.defer_results import Splitter
from router.gateway.documents import LRU, PreparedOperation
from router.planning.normalize import condition_variables


@dataclass(frozen=True)
class DeferredDocuments:
    primary: DocumentNode
    full: DocumentNode
    shape_primary: DocumentNode | None  # the client's document transformed alike, when authorization removed fields
    shape_full: DocumentNode | None


@dataclass(frozen=True)
class DeferredRun:
    """Everything one deferred request needs besides its plans."""

    documents: DeferredDocuments
    primary_key: str
    full_key: str
    fragments: list[DeferredFragment]
    root_selection: SelectionSetNode
    splitter: Splitter


class DeferStore:
    def __init__(self, schema: GraphQLSchema, max_entries: int) -> None:
        self.schema = schema
        # (text, operation name) -> (defer variables, @skip/@include variables); None: no @defer at all
        self._names: LRU[tuple[str, str | None], tuple[tuple[str, ...], tuple[str, ...]] | tuple[()]] = LRU(max_entries)
        self._documents: LRU[tuple[str, str | None, tuple[bool, ...]], DeferredDocuments] = LRU(max_entries)
        self._fragments: LRU[tuple[str, str | None, tuple[bool, ...]], list[DeferredFragment]] = LRU(max_entries)

    def _variable_names(self, prepared: PreparedOperation) -> tuple[tuple[str, ...], tuple[str, ...]] | tuple[()]:
        key = (prepared.text, prepared.operation_name)
        names = self._names.get(key)
        if names is None:
            document = prepared.document
            names = self._names.put(key, (
                defer_variables(document), condition_variables(document, prepared.operation_name)
            ) if has_defer(document) else ())
        return names

    def active(self, prepared: PreparedOperation, variables: Mapping[str, Any]) -> bool:
        names = self._variable_names(prepared)
        if not names:
            return False
        return bool(self._fragment_tree(prepared, variables))

    def _bits(self, names: tuple[str, ...], variables: Mapping[str, Any]) -> tuple[bool, ...]:
        return tuple(bool(variables.get(name, True)) for name in names)

    def _fragment_tree(self, prepared: PreparedOperation, variables: Mapping[str, Any]) -> list[DeferredFragment]:
        names = self._variable_names(prepared)
        assert names
        key = (prepared.text, prepared.operation_name, self._bits(names[0] + names[1], variables))
        tree = self._fragments.get(key)
        if tree is None:
            tree = self._fragments.put(key, deferred_fragments(prepared.document, prepared.operation, variables))
        return tree

    def prepare(self, prepared: PreparedOperation, authorized: Authorized, variables: Mapping[str, Any]) -> DeferredRun:
        names = self._variable_names(prepared)
        assert names
        bits = self._bits(names[0], variables)
        key = (authorized.plan_key, prepared.operation_name, bits)
        documents = self._documents.get(key)
        if documents is None:
            shape = authorized.shape_document
            documents = self._documents.put(key, DeferredDocuments(
                primary=primary_document(authorized.document, variables),
                full=full_document(authorized.document),
                shape_primary=None if shape is None else primary_document(shape, variables),
                shape_full=None if shape is None else full_document(shape),
            ))
        fragments = {
            d.name.value: d for d in prepared.document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        marker = "".join("1" if bit else "0" for bit in bits)
        return DeferredRun(
            documents=documents,
            # the marker cannot occur in GraphQL text; the full document does not depend on the bits
            primary_key=f"{authorized.plan_key}\x00defer-primary:{marker}",
            full_key=f"{authorized.plan_key}\x00defer-full",
            fragments=self._fragment_tree(prepared, variables),
            root_selection=prepared.operation.selection_set,
            splitter=Splitter(self.schema, fragments, variables),
        )


__all__ = ["DeferStore", "DeferredDocuments", "DeferredRun"]
