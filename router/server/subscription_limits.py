"""Process-wide count of open subscriptions, shared by every transport.

Each open subscription holds a client connection and a subgraph WebSocket, so the
total is what protects the process (file descriptors, memory); the per-connection and
connection limits of the WebSocket transport sit on top of it.
"""

from __future__ import annotations

from typing import Any

LIMIT_CODE = "SUBSCRIPTION_LIMIT"


class SubscriptionSlots:
    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.open = 0

    def acquire(self) -> bool:
        if self.limit is not None and self.open >= self.limit:
            return False
        self.open += 1
        return True

    def release(self) -> None:
        self.open -= 1

    def full_error(self) -> dict[str, Any]:
        return {
            "message": f"The router has reached its limit of {self.limit} open subscriptions "
            "(ROUTER_MAX_SUBSCRIPTIONS); retry later.",
            "extensions": {"code": LIMIT_CODE},
        }
