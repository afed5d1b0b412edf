"""Routes of the GraphQL path with subscriptions: HTTP (plain or streamed) and WebSocket.

One set of limits (``SubscriptionSlots``) is shared by every path and transport, so
serving the endpoint at both ``/graphql`` and ``/`` does not double them.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route, WebSocketRoute

from router.config import RouterConfig
from router.server.http import GraphQLEndpoint
from router.server.streaming import StreamingFront
from router.server.subscription_limits import SubscriptionSlots
from router.server.websocket import GraphQLWebSocketEndpoint


class SubscriptionRoutes:
    def __init__(self, config: RouterConfig, endpoint: GraphQLEndpoint) -> None:
        settings = config.subscriptions
        self.endpoint = endpoint
        self.slots = SubscriptionSlots(settings.max_subscriptions)
        self.http = StreamingFront(config, endpoint, self.slots) if settings.enabled else None
        self.websocket = (
            GraphQLWebSocketEndpoint(config, endpoint, self.slots) if settings.enabled and settings.websocket else None
        )

    def routes(self, path: str) -> list[BaseRoute]:
        routes: list[BaseRoute] = [Route(path, self.http or self.endpoint)]
        if self.websocket is not None:
            routes.append(WebSocketRoute(path, self.websocket))
        return routes
