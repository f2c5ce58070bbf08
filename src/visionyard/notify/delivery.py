"""Sending one notification: a signed JSON webhook for http(s) targets, apprise for every other scheme."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx

from visionyard import __version__
from visionyard.notify import message
from visionyard.notify.targets import is_webhook, redact

SIGNATURE_HEADER = "X-Visionyard-Signature"
EVENT_HEADER = "X-Visionyard-Event"
"""The message's kind (``run.status``, ``sweep.status``), so a receiver can route it before reading the body."""
DELIVERY_HEADER = "X-Visionyard-Delivery"
"""The notification's id: the same on every try, so a receiver can drop a repeat."""


class DeliveryFailed(Exception):
    """The target did not take the message (an error answer, no answer in time, no connection)."""


def sign(body: bytes, secret: str) -> str:
    """Hex HMAC-SHA256 of the raw body: what a receiver recomputes with the shared secret to trust it."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send(target: str, payload: dict[str, Any], *, delivery_id: int, secret: str | None, timeout: float) -> None:
    """Deliver ``payload`` to ``target`` once; raises :class:`DeliveryFailed` with a reason that never
    holds the target's secret parts."""
    if is_webhook(target):
        _post(target, payload, delivery_id, secret, timeout)
    else:
        _apprise(target, payload, timeout)


def _post(url: str, payload: dict[str, Any], delivery_id: int, secret: str | None, timeout: float) -> None:
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"visionyard/{__version__}",
        EVENT_HEADER: payload["kind"],
        DELIVERY_HEADER: str(delivery_id),
    }
    if secret:
        headers[SIGNATURE_HEADER] = sign(body, secret)
    try:
        answer = httpx.post(url, content=body, headers=headers, timeout=timeout, follow_redirects=False)
    except httpx.HTTPError as exc:  # the message names the URL: say where without it
        raise DeliveryFailed(f"{type(exc).__name__} from {redact(url)}") from None
    if not answer.is_success:
        raise DeliveryFailed(f"{redact(url)} answered {answer.status_code}")


def _apprise(url: str, payload: dict[str, Any], timeout: float) -> None:
    import apprise

    notifier = apprise.Apprise(asset=apprise.AppriseAsset(async_mode=False))
    if not notifier.add(url):
        raise DeliveryFailed(f"apprise does not know {redact(url)}")
    for service in notifier:
        service.socket_connect_timeout = service.socket_read_timeout = timeout
    if not notifier.notify(title=message.title(payload), body=message.text(payload)):
        raise DeliveryFailed(f"apprise could not deliver to {redact(url)} (see its log lines)")
