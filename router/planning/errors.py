"""Errors raised while planning; the pipeline turns them into GraphQL errors."""

from __future__ import annotations


class PlanningError(Exception):
    """The operation cannot be planned over this supergraph (a bug, or an unsupported feature)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
