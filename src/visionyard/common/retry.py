"""The one retry policy (tenacity): a few attempts with exponential backoff, each failure logged."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential,
)

T = TypeVar("T")


def retry_call(
    action: Callable[[], T],
    *,
    what: str,
    log: logging.Logger,
    attempts: int = 3,
    backoff: float = 1.0,
    patience: float | None = None,
    max_wait: float | None = None,
    give_up_on: Callable[[BaseException], bool] = lambda exc: False,
) -> T:
    """``action()``, tried up to ``attempts`` times (or for ``patience`` seconds when given), waiting
    ``backoff``, twice that, ... (at most ``max_wait``) between tries; an error that ``give_up_on`` accepts
    is raised at once, and the last error once the tries are spent."""
    limit = f"{patience:g} s" if patience is not None else f"{attempts} attempts"

    def note(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning("%s failed (attempt %d, giving up after %s): %s", what, state.attempt_number, limit, error)

    retrying = Retrying(
        stop=stop_after_delay(patience) if patience is not None else stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=backoff, max=max_wait if max_wait is not None else float("inf")),
        retry=retry_if_exception(lambda exc: not give_up_on(exc)),
        before_sleep=note,
        reraise=True,
    )
    return retrying(action)
