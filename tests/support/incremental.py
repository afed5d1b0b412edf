"""What a client holds after an incremental (``@defer``) answer: shared by the end-to-end and
differential ``@defer`` tests, so both read payloads the same way Apollo Client does."""

from __future__ import annotations

import copy
from typing import Any


def merge(target: Any, value: Any) -> Any:
    """Deep merge as Apollo Client does it: objects by key, lists item by item."""
    if isinstance(target, dict) and isinstance(value, dict):
        for key, item in value.items():
            target[key] = merge(target[key], item) if key in target else copy.deepcopy(item)
        return target
    if isinstance(target, list) and isinstance(value, list) and len(target) == len(value):
        for index, item in enumerate(value):
            target[index] = merge(target[index], item)
        return target
    return copy.deepcopy(value)


def apply(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The initial data with each incremental entry merged at its path, and every error seen."""
    result = {"data": copy.deepcopy(parts[0]["data"])}
    errors = list(parts[0].get("errors", []))
    for part in parts[1:]:
        for entry in part.get("incremental", []):
            target: Any = result["data"]
            for step in entry["path"]:
                target = target[step]
            if entry["data"] is not None:
                merge(target, entry["data"])
            errors += entry.get("errors", [])
        errors += part.get("errors", [])
    if errors:
        result["errors"] = errors
    return result
