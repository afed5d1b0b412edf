"""JSON for subgraph traffic: orjson, with the standard library for what orjson refuses.

orjson rejects integers beyond 64 bits (custom scalars may carry them); such a payload is
rare, so the fallback costs nothing on the hot path.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str).encode()
