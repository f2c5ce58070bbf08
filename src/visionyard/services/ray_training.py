"""A run over several nodes (``hardware.nodes > 1``) on the Ray cluster: a Ray Train worker group.

The run's actor (``scheduler.executors.ray_node``) starts ``visionyard worker`` as for any run; for a
run over nodes that worker becomes a Ray driver and asks Ray Train for one rank per device, spread over
the nodes (``TorchTrainer``; its ``TorchConfig`` makes the process group). Every rank trains the same
LightningModule with Ray's strategy and environment. Rank zero is the run's worker as on one host: it
claims the run, beats, answers control requests, reports, writes and pushes. The others train their
share and log to ``logs/rank-N.log`` on their node. Before any rank starts, the first rank on each node
refreshes that node's working copy from the artifact store.

A rank that dies ends the group and so the worker, and the attempt restarts from its last checkpoint
like any crashed worker; killing the actor ends the driver, and Ray ends the group it owns.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from visionyard.common.statuses import RunStatus
from visionyard.common.training_config import HardwareConfig, TrainingConfig
from visionyard.core.context import Context
from visionyard.core.runs import get_run, worker_request
from visionyard.scheduler.executors import ray_cluster, ray_node
from visionyard.services.runs import train_claimed
from visionyard.storage.artifacts import artifact_store
from visionyard.worker.service import NotClaimed, Placement


def train_on_node(ctx: Context, run_id: str, place: Placement) -> str:
    """The worker a run's Ray actor started: a worker group for a run over several nodes, else the run
    trained in this process as on any host. Returns the run's status."""
    with ctx.db.session() as session:
        hardware = TrainingConfig.from_run_config(get_run(session, run_id).config).hardware
    return train_group(ctx, run_id, place, hardware) if hardware.nodes > 1 else train_claimed(ctx, run_id, place=place)


def train_group(ctx: Context, run_id: str, place: Placement, hardware: HardwareConfig) -> str:
    """Train the run's attempt on a worker group of ``hardware``'s ranks to its end; the run's status then.
    Raises when a rank failed (the attempt then ends as a crashed worker's does)."""
    import ray
    from ray.train import FailureConfig, RunConfig, ScalingConfig
    from ray.train.torch import TorchConfig, TorchTrainer

    from visionyard.engine.trainer import DDP_TIMEOUT

    env = ray_cluster.cluster_env(ctx.settings, artifact_store(ctx.settings).remote)
    ray.init(
        address=os.environ["RAY_ADDRESS"],
        namespace=ray_cluster.NAMESPACE,
        runtime_env={"env_vars": env},  # the ranks on other nodes keep their own HOME, as this worker does
        log_to_driver=False,
        configure_logging=False,
    )
    each = ray_cluster.rank_resources(hardware, ray.cluster_resources().get("GPU", 0))
    trainer = TorchTrainer(
        _rank,
        train_loop_config={"run_id": run_id, "placement": place.to_json()},
        scaling_config=ScalingConfig(
            num_workers=hardware.world_size,
            use_gpu="GPU" in each,
            resources_per_worker=each,
            placement_strategy="SPREAD",
        ),
        torch_config=TorchConfig(timeout_s=int(DDP_TIMEOUT.total_seconds())),
        run_config=RunConfig(
            name=f"{run_id}-{place.attempt}",
            storage_path=str(ctx.settings.cache_dir / "ray-train"),  # Ray's own records; the run's are its folder
            failure_config=FailureConfig(max_failures=0),  # a failed attempt restarts as visionyard's
        ),
    )
    trainer.fit()
    with ctx.db.session() as session:
        return get_run(session, run_id).status


def _rank(config: dict[str, str]) -> None:
    """One rank of the group, in a Ray Train worker process on its node."""
    import ray.train

    from visionyard.worker.execute import train_rank

    ctx, run_id = Context(), config["run_id"]
    place = Placement.from_json(config["placement"])
    rank = ray.train.get_context().get_world_rank()
    with ctx.db.session() as session:
        run = get_run(session, run_id)
        if run.status != RunStatus.RUNNING or run.attempt != place.attempt:
            raise NotClaimed(f"run {run_id} is {run.status} on attempt {run.attempt}, not {place.attempt}")
    with _first_on_node() as first, ctx.db.session() as session:
        if first:  # drops what the node kept of an earlier attempt, pulls this one's copy
            worker_request(ctx.settings, session, get_run(session, run_id), place.origin)
    if rank == 0:
        train_claimed(ctx, run_id, place=replace(place, node=ray_node.node_label(), ray_train=True))
        return
    with ctx.db.session() as session:
        request = worker_request(ctx.settings, session, get_run(session, run_id), place.origin, refresh=False)
    request.ray_train = True
    train_rank(request, ctx.settings, ctx.catalog(), log_file=request.folder.log_file.parent / f"rank-{rank}.log")


@contextmanager
def _first_on_node() -> Iterator[bool]:
    """Is this rank the first of the group on its Ray node? Every rank waits at the end of the block, so
    the others find that node's working copy ready. Over a gloo group of its own (the ranks' may be NCCL)."""
    import ray
    import torch.distributed as dist

    group = dist.new_group(backend="gloo")
    try:
        here = ray.get_runtime_context().get_node_id()
        nodes: list[str | None] = [None] * dist.get_world_size()
        dist.all_gather_object(nodes, here, group=group)
        yield nodes.index(here) == dist.get_rank()
        dist.barrier(group=group)
    finally:
        dist.destroy_process_group(group)
