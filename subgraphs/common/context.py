"""The per-request GraphQL context: who is calling, the service runtime, loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from strawberry.fastapi import BaseContext

from subgraphs.common.auth import Principal
from subgraphs.common.errors import Unauthenticated

if TYPE_CHECKING:
    from subgraphs.common.runtime import ServiceRuntime


@dataclass
class RequestContext(BaseContext):
    runtime: "ServiceRuntime"
    principal: Principal | None
    # Per-request DataLoaders (created lazily by resolvers), so caches never leak across requests.
    loaders: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__()

    def require_user(self) -> Principal:
        if self.principal is None:
            raise Unauthenticated("Authentication required: send 'Authorization: Bearer <token>'")
        return self.principal

    def loader(self, name: str, factory: Any) -> Any:
        """The request's DataLoader called ``name``, created by ``factory()`` on first use."""
        if name not in self.loaders:
            self.loaders[name] = factory()
        return self.loaders[name]
