"""The one envelope every event travels in.

```json
{"id": "3f2b...", "type": "order.placed", "occurred_at": "2026-11-26T14:28:55.123456+00:00",
 "source": "orders", "data": {...}}
```

``id`` is a UUID4 string, unique per event and stable across redeliveries (consumers
de-duplicate on it); ``type`` is also the routing key; ``occurred_at`` is ISO 8601 UTC;
``data`` is the type-specific payload (documented next to each producer, see
docs/events.md).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson


class InvalidEvent(ValueError):
    """A message body that is not a valid envelope: it can never succeed, so it is dead-lettered."""


@dataclass(frozen=True)
class Event:
    type: str
    data: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    source: str | None = None

    def to_json(self) -> bytes:
        return orjson.dumps(
            {"id": self.id, "type": self.type, "occurred_at": self.occurred_at, "source": self.source, "data": self.data}
        )

    @classmethod
    def from_json(cls, body: bytes | str) -> Event:
        try:
            raw = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise InvalidEvent(f"body is not JSON: {exc}") from None
        if not isinstance(raw, dict):
            raise InvalidEvent("envelope must be a JSON object")
        for key, kind in (("id", str), ("type", str), ("occurred_at", str), ("data", dict)):
            if not isinstance(raw.get(key), kind):
                raise InvalidEvent(f"envelope field {key!r} missing or not a {kind.__name__}")
        source = raw.get("source")
        return cls(
            id=raw["id"],
            type=raw["type"],
            occurred_at=raw["occurred_at"],
            data=raw["data"],
            source=source if isinstance(source, str) else None,
        )
