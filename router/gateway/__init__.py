"""The request pipeline: from GraphQL-over-HTTP parameters to a response dict.

``request`` checks parameter shapes, ``documents`` parses/validates/measures with
caches, ``authorization`` removes what the caller may not see, ``pipeline`` runs the
stages in order and hands the result to the core through ``engine``.
"""

from router.gateway.errors import RequestError
from router.gateway.pipeline import Gateway, GatewayResult
from router.gateway.request import GraphQLRequest

__all__ = ["Gateway", "GatewayResult", "GraphQLRequest", "RequestError"]
