"""Events between subgraphs: envelope, topology, outbox, relay, consumers.

The guarantees (see docs/events.md):
- no loss: an event is written to the producer's ``event_outbox`` table in the same
  transaction as the change that causes it; the relay publishes persistent messages
  with publisher confirms and only then marks the row published;
- no double effect: a consumer records the event id in its ``event_inbox`` table in
  the same transaction as its own changes, and acks only after that commit;
- bounded retries: a failing message is retried ``CONSUMER_MAX_ATTEMPTS`` times with
  backoff through a retry queue, then dead-lettered to ``<queue>.dead``.
"""

from subgraphs.common.events.envelope import Event, InvalidEvent

__all__ = ["Event", "InvalidEvent"]
