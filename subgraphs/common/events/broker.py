"""Connecting to RabbitMQ with pika: parameters and the errors that mean "broker gone"."""

from __future__ import annotations

import pika
import pika.exceptions

# Everything that means the connection or channel is unusable and must be rebuilt.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    pika.exceptions.AMQPConnectionError,
    pika.exceptions.AMQPChannelError,
    pika.exceptions.StreamLostError,
    pika.exceptions.ConnectionClosed,
    pika.exceptions.ChannelClosed,
    pika.exceptions.ChannelWrongStateError,
    pika.exceptions.ConnectionWrongStateError,
    OSError,
)


def connection_parameters(amqp_url: str, *, heartbeat: int = 30) -> pika.URLParameters:
    params = pika.URLParameters(amqp_url)
    params.connection_attempts = 1
    params.socket_timeout = 5
    params.stack_timeout = 10
    params.blocked_connection_timeout = 30
    params.heartbeat = heartbeat
    return params
