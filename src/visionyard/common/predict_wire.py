"""How a predict request travels from the API process to the predictor process (torch-free).

The request's fields go as one small pickled message and each image's encoded bytes as a raw message
of its own after it, so the bytes are neither pickled nor unpickled on the way.
"""

from __future__ import annotations

from multiprocessing.connection import Connection
from typing import Any


def send_request(connection: Connection, request: dict[str, Any]) -> None:
    items: list[tuple[bytes, ...]] = request["images"]
    connection.send({**request, "images": [len(item) for item in items]})
    for item in items:
        for data in item:
            connection.send_bytes(data)


def receive_request(connection: Connection) -> dict[str, Any]:
    """The request as sent, its images read back as ``(bytes, ...)`` per item."""
    request = connection.recv()
    request["images"] = [tuple(connection.recv_bytes() for _ in range(count)) for count in request["images"]]
    return request
