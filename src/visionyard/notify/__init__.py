"""Notifications of runs' status changes: JSON webhooks (signed) and apprise targets (docs/notifications.md).

apprise is imported only to check or send to one of its URLs.
"""

from visionyard.notify.notifier import Notifier, NotifierThread, start_notifier

__all__ = ["Notifier", "NotifierThread", "start_notifier"]
