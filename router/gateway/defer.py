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

from graphql import DocumentNode, GraphQLSchema, SelectionSetNode

from router.gateway.authorization import Authorized
from router.gateway.defer_documents import (
    DeferredFragment,
    DeferUse,
    deferred_fragments,
    full_document,
    primary_document,
)
from router.gateway.defer_results import Splitter
from router.gateway.documents import LRU, PreparedOperation


@dataclass(frozen=True)
class DeferredDocuments:
    primary: DocumentNode
    full: DocumentNode
    shape_primary: DocumentNode | None  # the client's document transformed alike, when authorization removed fields
    shape_full: DocumentNode | None
    primary_key: str  # the plan cache keys of primary and full
    full_key: str


@dataclass(frozen=True)
class DeferredRun:
    """Everything one deferred request needs besides its plans."""

    documents: DeferredDocuments
    fragments: list[DeferredFragment]
    root_selection: SelectionSetNode
    splitter: Splitter


class DeferStore:
    """The per-(variables) caches; which variables matter was found with the prepared
    operation (``PreparedOperation.defer``), so an operation without ``@defer`` never gets here."""

    def __init__(self, schema: GraphQLSchema, max_entries: int) -> None:
        self.schema = schema
        self._documents: LRU[tuple[str, str | None, tuple[bool, ...]], DeferredDocuments] = LRU(max_entries)
        self._fragments: LRU[tuple[str, str | None, tuple[bool, ...]], list[DeferredFragment]] = LRU(max_entries)

    def active(self, prepared: PreparedOperation, variables: Mapping[str, Any]) -> bool:
        return prepared.defer is not None and bool(self._fragment_tree(prepared, prepared.defer, variables))

    @staticmethod
    def _bits(names: tuple[str, ...], variables: Mapping[str, Any]) -> tuple[bool, ...]:
        return tuple(bool(variables.get(name, True)) for name in names)

    def _fragment_tree(
        self, prepared: PreparedOperation, use: DeferUse, variables: Mapping[str, Any]
    ) -> list[DeferredFragment]:
        bits = self._bits(use.defer_variables + use.condition_variables, variables)
        key = (prepared.text, prepared.operation_name, bits)
        tree = self._fragments.get(key)
        if tree is None:
            tree = self._fragments.put(key, deferred_fragments(prepared.document, prepared.operation, variables))
        return tree

    def prepare(self, prepared: PreparedOperation, authorized: Authorized, variables: Mapping[str, Any]) -> DeferredRun:
        use = prepared.defer
        assert use is not None
        bits = self._bits(use.defer_variables, variables)
        key = (authorized.plan_key, prepared.operation_name, bits)
        documents = self._documents.get(key)
        if documents is None:
            shape = authorized.shape_document
            marker = "".join("1" if bit else "0" for bit in bits)
            documents = self._documents.put(key, DeferredDocuments(
                primary=primary_document(authorized.document, variables),
                full=full_document(authorized.document),
                shape_primary=None if shape is None else primary_document(shape, variables),
                shape_full=None if shape is None else full_document(shape),
                # the marker cannot occur in GraphQL text; the full document does not depend on the bits
                primary_key=f"{authorized.plan_key}\x00defer-primary:{marker}",
                full_key=f"{authorized.plan_key}\x00defer-full",
            ))
        return DeferredRun(
            documents=documents,
            fragments=self._fragment_tree(prepared, use, variables),
            root_selection=prepared.operation.selection_set,
            splitter=Splitter(self.schema, use.fragments, variables),
        )


__all__ = ["DeferStore", "DeferredDocuments", "DeferredRun"]
