"""Notification targets: URLs checked when they are given, and shown only with their secrets cut.

An ``http(s)://`` URL gets a JSON webhook; any other scheme is apprise's (``slack://``, ``msteams://``,
``mailto://``, ``ntfy://``...). A target URL carries its credentials (a Slack token, a webhook path), so
it is stored but never answered or logged in full: :func:`redact` is the only way it is shown.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from visionyard.common.errors import Invalid

WEBHOOK_SCHEMES = ("http", "https")
MAX_URL_LENGTH = 2048


class TargetRejected(Invalid):
    code = "notify_target_rejected"


def is_webhook(url: str) -> bool:
    return urlsplit(url).scheme.lower() in WEBHOOK_SCHEMES


def redact(url: str) -> str:
    """``https://hooks.example.com/…`` for a webhook, ``slack://…`` for the rest: where, not the secret."""
    parts = urlsplit(url)
    if parts.scheme.lower() in WEBHOOK_SCHEMES:
        return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}/…"
    return f"{parts.scheme or '?'}://…"


def check(urls: list[str], field: str) -> list[str]:
    """The targets, each checked: a webhook with a host, or a URL apprise knows. Errors name the
    target's place (``notify[1]``) and its redacted form, never the URL itself."""
    checked = []
    for index, raw in enumerate(urls):
        url, where = raw.strip(), f"{field}[{index}]"
        if not url or len(url) > MAX_URL_LENGTH:
            raise TargetRejected(f"{where}: a notification target is a URL of 1 to {MAX_URL_LENGTH} characters")
        parts = urlsplit(url)
        if not parts.scheme:
            raise TargetRejected(f"{where}: not a URL (no scheme://)")
        if is_webhook(url):
            if not parts.hostname:
                raise TargetRejected(f"{where}: {redact(url)} has no host")
        elif not _apprise_knows(url):
            raise TargetRejected(
                f"{where}: {redact(url)} is neither an http(s) webhook nor a URL apprise knows "
                "(https://github.com/caronc/apprise/wiki lists its schemes)"
            )
        checked.append(url)
    return checked


def _apprise_knows(url: str) -> bool:
    import apprise

    return apprise.Apprise.instantiate(url) is not None
