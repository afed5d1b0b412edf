import orjson
import pytest

from subgraphs.common.events import Event, InvalidEvent


def test_envelope_round_trip() -> None:
    event = Event(type="order.placed", data={"order_id": 7}, source="orders")
    decoded = Event.from_json(event.to_json())
    assert decoded == event
    raw = orjson.loads(event.to_json())
    assert set(raw) == {"id", "type", "occurred_at", "source", "data"}


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"type": "x", "data": {}}', b'{"id": "1", "type": "x", "occurred_at": "t", "data": []}'],
)
def test_invalid_envelopes_are_rejected(body: bytes) -> None:
    with pytest.raises(InvalidEvent):
        Event.from_json(body)
