from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from tests.engine.publishers import Publisher


@pytest.fixture
def publisher() -> Iterator[Publisher]:
    """The stand-in for the weights' publishers, serving until the test ends."""
    served = Publisher()
    thread = threading.Thread(target=served.server.serve_forever, daemon=True)
    thread.start()
    yield served
    served.server.shutdown()
