"""The one error type the supergraph stage raises, so callers can report bad input cleanly."""

from __future__ import annotations


class SupergraphError(ValueError):
    """The supergraph SDL cannot be used: unparsable, not a supergraph, or inconsistent."""
