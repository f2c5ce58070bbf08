"""Which failures of the MLflow mirror are worth waiting out (MLflow or the database down or busy)."""

from __future__ import annotations

from visionyard.db.session import unreachable


def is_transient(exc: BaseException) -> bool:
    """Worth waiting for (MLflow or the database down or busy) rather than a refusal of this event."""
    from mlflow.exceptions import MlflowException
    from requests.exceptions import RequestException

    if isinstance(exc, MlflowException):
        code = exc.get_http_status_code()
        return code >= 500 or code == 429
    return unreachable(exc) or isinstance(exc, RequestException | ConnectionError | TimeoutError)
