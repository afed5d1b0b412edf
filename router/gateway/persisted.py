"""Automatic persisted queries (Apollo's APQ protocol), on by default like Apollo Router.

Clients send ``extensions.persistedQuery.sha256Hash`` without the query text; on a
miss they retry with the text, which is stored after its hash is checked. Only the
hash of the exact text is trusted, so a client cannot plant text under another hash.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from router.gateway.errors import RequestError, error_dict


class PersistedQueries:
    def __init__(self, max_entries: int = 2_000) -> None:
        self._entries: OrderedDict[str, str] = OrderedDict()
        self._max_entries = max_entries

    def resolve(self, query: str | None, extensions: Mapping[str, Any]) -> str | None:
        """The query text to run: the given one (stored when it carries a hash) or a stored one."""
        persisted = extensions.get("persistedQuery")
        if persisted is None:
            return query
        if not isinstance(persisted, dict):
            raise RequestError.single("extensions.persistedQuery must be an object", "BAD_REQUEST", graphql_error=False)
        if persisted.get("version", 1) != 1:
            raise RequestError.single(
                "Unsupported persisted query version", "PERSISTED_QUERY_VERSION_NOT_SUPPORTED", graphql_error=False
            )
        digest = persisted.get("sha256Hash")
        if not isinstance(digest, str) or not digest:
            raise RequestError.single(
                "extensions.persistedQuery.sha256Hash must be a string", "BAD_REQUEST", graphql_error=False
            )
        digest = digest.lower()
        if query is None:
            stored = self._entries.get(digest)
            if stored is None:
                # Apollo clients look for exactly this message/code to resend the text. A request
                # error: 200 for application/json clients, 400 with graphql-response+json.
                raise RequestError([error_dict("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")])
            self._entries.move_to_end(digest)
            return stored
        if hashlib.sha256(query.encode()).hexdigest() != digest:
            raise RequestError.single("provided sha does not match query", "PERSISTED_QUERY_HASH_MISMATCH")
        self._entries[digest] = query
        self._entries.move_to_end(digest)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
        return query
