"""On a Ray node: the actor that runs one attempt of a run, or one job.

It starts ``visionyard worker RUN_ID`` (or ``job JOB_ID``) as the local executor does on its host, tied
to the actor (a killed actor takes its worker with it), and answers how the worker ended. The worker of
a run over several nodes drives a Ray Train worker group from there (``services.ray_training``), on the
cluster this actor is on. Its settings are the node's environment (its own ``VISIONYARD_HOME``, the
working copy) with the shared state the executor passed on (the database, the artifact store). Imported
by Ray's worker processes; torch-free.
"""

from __future__ import annotations

import os
import socket

from visionyard.config import Settings
from visionyard.core.runs import Origin
from visionyard.scheduler.executors import processes
from visionyard.worker.service import Placement


class NodeWorker:
    """One run attempt or job on this node (a detached actor: it outlives the server that started it)."""

    def work(self, command: str, item_id: str, attempt: int | None, origin: Origin | None, log_name: str) -> str:
        """Run ``visionyard worker|job ID`` to its end; how it ended (what the scheduler records if the run or
        job was left running). ``log_name``: its output's file, relative to HOME."""
        import ray

        settings = Settings()
        runtime = ray.get_runtime_context()
        place = Placement(executor="ray", node=node_label(), ref=runtime.get_actor_id(), attempt=attempt, origin=origin)
        os.environ["RAY_ADDRESS"] = runtime.gcs_address  # the cluster a worker driving ranks connects to
        log_file = settings.root / log_name
        child = processes.start_worker(settings, item_id, log_file, command, "--placement", place.to_json(), tied=True)
        return processes.describe_exit(child.wait())

    def done(self) -> None:
        """Answers once ``work`` has returned: an actor runs one method at a time (a new server adopting
        the actor waits on this)."""


def node_label() -> str:
    """This Ray node as a run's public shape shows it: the host and the start of the node id."""
    import ray

    return f"{socket.gethostname()} ({ray.get_runtime_context().get_node_id()[:12]})"
