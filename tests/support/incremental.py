"""Reading an incremental (``@defer``) answer as a client does: the multipart framing, and what
the client holds once every payload is merged. Shared by every ``@defer`` test, so all read alike."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import orjson

PART_HEAD = b"\r\ncontent-type: application/json; charset=utf-8\r\n\r\n"


def parse_multipart(response: httpx.Response) -> list[dict[str, Any]]:
    """The JSON parts of a ``multipart/mixed;boundary="-"`` body, checking the framing byte by byte."""
    assert response.status_code == 200
    assert response.headers["content-type"] == 'multipart/mixed;boundary="-";deferSpec=20220824'
    body = response.content
    assert body.startswith(b"\r\n---" + PART_HEAD), body[:80]
    assert body.endswith(b"\r\n-----\r\n"), body[-80:]
    chunks = body[: -len(b"--\r\n")].split(b"\r\n---")
    assert chunks[0] == b"" and chunks[-1] == b""
    parts = []
    for chunk in chunks[1:-1]:
        assert chunk.startswith(PART_HEAD), chunk[:80]
        parts.append(orjson.loads(chunk[len(PART_HEAD):]))
    return parts


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
