"""The Ray executor: each run attempt a detached actor on a Ray cluster, placed by Ray.

The actor (``ray_node.NodeWorker``, named ``run-<id>-<attempt>`` in the ``visionyard`` namespace)
asks for the CPUs and GPUs its run's hardware needs and runs the ordinary worker on its node. Being
detached it outlives this server; the next server finds it by name and adopts it. The nodes share no
files with the server: they reach the database and the artifact store, and the server pushes a run's
dataset to the store before it launches it. A job (test run, export) of a run trained on the cluster is
an actor too (``job-<id>``, one CPU, and a GPU where the cluster has them). Runs placed on this host
(``"executor": "local"``, or ``auto`` with a local slot free) and their jobs go to the local executor.
See docs/cluster.md.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Any

from visionyard.common.errors import Unavailable
from visionyard.common.training_config import HardwareConfig, TrainingConfig
from visionyard.config import Settings
from visionyard.core.runs import Origin, home_id
from visionyard.db.models import Job, Run
from visionyard.scheduler.executors import processes
from visionyard.scheduler.executors.base import Exit, Kind
from visionyard.scheduler.executors.local import LocalExecutor
from visionyard.storage.artifacts import artifact_store
from visionyard.storage.run_folder import RunFolder

log = logging.getLogger("visionyard.scheduler")

NAMESPACE = "visionyard"
NODE_LOCAL = ("VISIONYARD_HOME", "VISIONYARD_DATA_DIR", "VISIONYARD_EXTRA_DATA_DIRS", "VISIONYARD_MODELS_DIR")
"""Settings each node keeps its own of when the state is shared through the store (its working copy)."""
SERVER_ONLY = ("VISIONYARD_API_TOKEN",)
"""Settings a worker has no use for, kept off the cluster."""


class ClusterUnsuitable(Unavailable):
    code = "cluster_unsuitable"


class RayExecutor:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.ray = connect(settings)
        self.store = artifact_store(settings)
        check_shared_state(settings, self.store.remote, len(live_nodes()))
        self.origin = Origin(settings.root, home_id(settings)) if self.store.remote else None
        """Sent with each run: a node with a HOME of its own takes the store as the run's copy of record."""
        self.local = LocalExecutor(settings)
        self.running: dict[Any, tuple[Kind, str, str, Any]] = {}
        """The work (or, adopted, ``done``) reference of each actor followed: its kind, run or job id, name
        and handle."""
        self.ended: set[str] = set()
        """Actors whose work has ended, killed or being killed (Ray may still list them a moment)."""

    def launch(self, kind: Kind, item: Run | Job, log_file: Path) -> None:
        if here(item):
            self.local.launch(kind, item, log_file)
            return
        from visionyard.scheduler.executors.ray_node import NodeWorker

        self._push_inputs(item)
        try:
            gpus = self.ray.cluster_resources().get("GPU", 0)
            if isinstance(item, Run):
                asked = resources(item.config, gpus)
                check_placeable(item.config, asked, live_nodes())
            else:
                asked = {"num_cpus": 1, "num_gpus": 1 if gpus else 0}
            options = {
                "name": actor_name(item),
                "namespace": NAMESPACE,
                "lifetime": "detached",
                "max_restarts": 0,
                "runtime_env": {"env_vars": cluster_env(self.settings, self.store.remote)},
                **asked,
            }
            actor = self.ray.remote(NodeWorker).options(**options).remote()
        except (self.ray.exceptions.RayError, ConnectionError, ValueError) as exc:
            raise OSError(f"Ray refused the actor: {exc}") from exc
        command = "worker" if kind == "run" else "job"
        attempt = item.attempt if isinstance(item, Run) else None
        log_name = str(log_file.relative_to(self.settings.root))
        try:
            work = actor.work.remote(command, item.id, attempt, self.origin, log_name)
        except (self.ray.exceptions.RayError, ConnectionError) as exc:
            self._end(options["name"], actor)
            raise OSError(f"Ray refused the {kind}'s work: {exc}") from exc
        self.running[work] = (kind, item.id, options["name"], actor)
        log.info("%s %s: submitted to the Ray cluster as %s", kind, item.id, options["name"])

    def exits(self) -> list[Exit]:
        ended = self.local.exits()
        if not self.running:
            return ended
        ready, _ = self.ray.wait(list(self.running), num_returns=len(self.running), timeout=0)
        for ref in ready:
            kind, item_id, name, actor = self.running.pop(ref)
            try:
                reason = self.ray.get(ref) or "the Ray actor ended"
            except self.ray.exceptions.RayError as exc:
                reason = f"the Ray actor died: {first_line(exc)}"
            self._end(name, actor)
            ended.append(Exit(kind, item_id, reason))
        return ended

    def launched(self, kind: Kind) -> set[str]:
        on_cluster = {item_id for k, item_id, _, _ in self.running.values() if k == kind}
        return self.local.launched(kind) | on_cluster

    def alive(self, item: Run | Job) -> bool:
        if here(item):
            return self.local.alive(item)
        return self._actor(item) is not None

    def placing(self, run: Run) -> bool:
        return not here(run) and run.worker_pid is None and self._actor(run) is not None

    def adopt(self, item: Run | Job) -> bool:
        if here(item):
            return self.local.adopt(item)
        actor = self._actor(item)
        if actor is not None:
            kind: Kind = "run" if isinstance(item, Run) else "job"
            self.running[actor.done.remote()] = (kind, item.id, actor_name(item), actor)
        return actor is not None

    def release_strays(self) -> list[str]:
        followed = {name for _, _, name, _ in self.running.values()}
        strays = [
            entry["name"]
            for entry in self.ray.util.list_named_actors(all_namespaces=True)
            if entry["namespace"] == NAMESPACE
            and entry["name"].startswith(("run-", "job-"))
            and entry["name"] not in followed
        ]
        for name in strays:
            with contextlib.suppress(ValueError):
                self._end(name, self.ray.get_actor(name, namespace=NAMESPACE))
        return strays

    def kill(self, item: Run | Job) -> None:
        if here(item):
            self.local.kill(item)
            return
        actor = self._actor(item)
        if actor is not None:
            self._end(actor_name(item), actor)

    def _actor(self, item: Run | Job) -> Any | None:
        """The live actor of the run's current attempt (or of the job), or None."""
        name = actor_name(item)
        if name in self.ended:
            return None
        try:
            return self.ray.get_actor(name, namespace=NAMESPACE)
        except ValueError:
            return None

    def _end(self, name: str, actor: Any) -> None:
        """Kill an actor (a detached one lives until killed, also once its work is done)."""
        self.ended.add(name)
        with contextlib.suppress(self.ray.exceptions.RayError, ValueError):
            self.ray.kill(actor, no_restart=True)

    def _push_inputs(self, item: Run | Job) -> None:
        """What the node reads that only this server has into the artifact store (changed files only): the
        run folder as created here (run.json, config.json) and the run's dataset when it lies in HOME; a
        test run's dataset."""
        if not self.store.remote:
            return
        if isinstance(item, Run):
            self.store.push(RunFolder.of(self.settings.runs_dir, item.id).root)
        dataset = Path(item.dataset_path if isinstance(item, Run) else item.params.get("dataset_path", ""))
        if dataset.is_relative_to(self.settings.root) and dataset.is_dir():
            self.store.push(dataset)


def here(item: Run | Job) -> bool:
    """Is this run or job placed on this host (the local executor's)?"""
    return item.executor != "ray"


def connect(settings: Settings) -> Any:
    """``ray``, connected to ``VISIONYARD_RAY_ADDRESS`` (``local``: a cluster started here, for one host)."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no usage reports leave the host
    import ray

    if not ray.is_initialized():
        if settings.ray_address == "local":
            ray.init(
                address="local",
                namespace=NAMESPACE,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
        else:
            try:
                ray.init(address=settings.ray_address, namespace=NAMESPACE, log_to_driver=False)
            except (ConnectionError, ray.exceptions.RayError) as exc:
                raise ClusterUnsuitable(f"cannot reach the Ray cluster at {settings.ray_address}: {exc}") from exc
    return ray


def live_nodes() -> list[dict[str, Any]]:
    import ray

    return [node for node in ray.nodes() if node.get("Alive")]


def check_shared_state(settings: Settings, store_is_remote: bool, nodes: int) -> None:
    """Refuse a cluster of several nodes when the state lives on this host only (a single-node cluster
    shares this host's files)."""
    problems = []
    if nodes > 1 and settings.database.startswith("sqlite"):
        problems.append("the database is a SQLite file on this host: set VISIONYARD_DATABASE_URL to PostgreSQL")
    if nodes > 1 and not store_is_remote:
        problems.append("the artifact store is this host's HOME: set VISIONYARD_STORAGE_URL to an S3 bucket")
    if problems:
        raise ClusterUnsuitable(
            f"the Ray cluster at {settings.ray_address} has {nodes} nodes, which share no files with this server: "
            + "; ".join(problems)
        )


def cluster_env(settings: Settings, store_is_remote: bool) -> dict[str, str]:
    """The environment a node's worker gets on top of its own: this server's settings and S3 credentials,
    less the folders each node has its own of when the store is shared."""
    env = {k: v for k, v in processes.settings_env(settings).items() if k.startswith(("VISIONYARD_", "AWS_"))}
    for name in (*SERVER_ONLY, *(NODE_LOCAL if store_is_remote else ())):
        env.pop(name, None)
    return env


def actor_name(item: Run | Job) -> str:
    return f"run-{item.id}-{item.attempt}" if isinstance(item, Run) else f"job-{item.id}"


def resources(config: dict[str, Any], cluster_gpus: float) -> dict[str, float]:
    """What the actor asks Ray for: a GPU per device of a GPU run (``auto``: where the cluster has GPUs),
    else a CPU per training process; nothing for a run over several nodes (its ranks ask for theirs)."""
    hardware = TrainingConfig.from_run_config(config).hardware
    if hardware.nodes > 1:
        return {"num_gpus": 0, "num_cpus": 0}
    count = hardware.device_count
    return {"num_gpus": count, "num_cpus": 1} if on_gpu(hardware, cluster_gpus) else {"num_gpus": 0, "num_cpus": count}


def on_gpu(hardware: HardwareConfig, cluster_gpus: float) -> bool:
    return hardware.accelerator == "cuda" or (hardware.accelerator == "auto" and cluster_gpus > 0)


def rank_resources(hardware: HardwareConfig, cluster_gpus: float) -> dict[str, float]:
    """What each rank of a run over several nodes asks Ray Train for: its device (and a CPU to feed a GPU)."""
    return {"GPU": 1, "CPU": 1} if on_gpu(hardware, cluster_gpus) else {"CPU": 1}


def check_placeable(config: dict[str, Any], asked: dict[str, float], nodes: list[dict[str, Any]]) -> None:
    """Refuse what the cluster could never hold (Ray would keep it waiting for ever): the actor's resources
    on one node, or, for a run over several nodes, one device per rank over them all."""
    hardware = TrainingConfig.from_run_config(config).hardware
    if hardware.nodes == 1:
        check_a_node_holds(asked, nodes)
        return
    each = rank_resources(hardware, sum(node.get("Resources", {}).get("GPU", 0) for node in nodes))
    room = sum(min(int(node.get("Resources", {}).get(k, 0) // v) for k, v in each.items()) for node in nodes)
    if room < hardware.world_size:
        device = "GPU" if "GPU" in each else "CPU"
        raise ValueError(
            f"the run asks for {hardware.world_size} ranks ({hardware.device_count} devices on each of "
            f"{hardware.nodes} nodes) but the cluster holds {room} ranks of one {device} each"
        )


def check_a_node_holds(asked: dict[str, float], nodes: list[dict[str, Any]]) -> None:
    """Refuse what no node of the cluster could ever hold."""
    wanted = {"GPU": asked["num_gpus"], "CPU": asked["num_cpus"]}
    if not any(all(node.get("Resources", {}).get(k, 0) >= v for k, v in wanted.items()) for node in nodes):
        largest = max((node.get("Resources", {}).get("GPU", 0) for node in nodes), default=0)
        raise ValueError(
            f"no node of the cluster has {wanted['GPU']:g} GPUs and {wanted['CPU']:g} CPUs "
            f"(the most GPUs a node has: {largest:g}; hardware.nodes spreads a run over several)"
        )


def first_line(exc: BaseException) -> str:
    return next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
