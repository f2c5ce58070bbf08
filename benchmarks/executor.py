"""The Ray executor's overhead against the local one: time from claim to first training step, and the
whole run, through the real scheduler and real workers.

The same run (small_cnn on the digits demo set, one epoch, 32 px) is queued asking for this host, then
for the cluster, in turn (one scheduler, with the Ray executor, which starts the local ones as the local
executor does), alternating, several repeats; medians. The Ray cluster (``VISIONYARD_RAY_ADDRESS``,
default a local one started here) is up and warm before the first measured run: one run of each
executor goes first and is not counted. The first step is seen through the worker's heartbeat (every
50 ms here).

``--ranks N`` (N > 1) compares distributed runs instead: N processes on this host
(``hardware.devices=N``, visionyard's own ranks) against a Ray Train worker group of N ranks
(``hardware.nodes=N``, one device each; the cluster needs N free CPUs).

    .venv/bin/python benchmarks/executor.py [--repeats 5] [--ray-address local] [--ranks 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from visionyard.common.statuses import RunStatus
from visionyard.config import Settings
from visionyard.core.context import Context
from visionyard.data.demo import write_demo_datasets
from visionyard.db.models import Run
from visionyard.scheduler.executors.ray_cluster import RayExecutor
from visionyard.scheduler.supervisor import Scheduler
from visionyard.services.runs import RunSpec, create_run

CONFIG = {"epochs": 1, "batch_size": 32, "preprocessing.image_size": 32, "data.num_workers": 0}
POLL_S = 0.02
WHERE = ("local", "ray")


def one_run(ctx: Context, executor: RayExecutor, where: str, ranks: int) -> dict[str, float]:
    """Queue a run asking for ``where`` (local, ray), schedule it until it completes: claim to first step,
    and claim to end."""
    spread = {} if ranks == 1 else {"hardware.devices": ranks} if where == "local" else {"hardware.nodes": ranks}
    run_id = create_run(ctx, RunSpec("small_cnn", "digits", {**CONFIG, **spread}, executor=where)).id
    scheduler = Scheduler(ctx, tick_seconds=POLL_S, executor=executor)
    claimed = time.perf_counter()
    first_step = None
    while True:
        scheduler.tick()
        with ctx.db.session() as session:
            run = session.get_one(Run, run_id)
        if first_step is None and run.current_step > 0:
            first_step = time.perf_counter() - claimed
        if run.status not in (RunStatus.RUNNING, RunStatus.QUEUED, RunStatus.RESTARTING):
            break
        time.sleep(POLL_S)
    assert run.status == RunStatus.COMPLETED and run.attempt == 1 and run.executor == where, (run.status, run.error)
    total = time.perf_counter() - claimed
    return {"to_first_step_s": first_step if first_step is not None else total, "total_s": total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--ray-address", default="local")
    parser.add_argument("--ranks", type=int, default=1, help="training processes per run (> 1: DDP)")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="vy-executor-"))
    settings = Settings(home=home, heartbeat_interval=0.05, ray_address=args.ray_address, executor="ray")
    write_demo_datasets(settings.data_root)
    ctx = Context(settings)
    ctx.db.migrate()
    ctx.catalog()  # the catalog scan cached, so no run pays for it
    executor = RayExecutor(settings)  # the cluster's runs, and this host's (those asking for local)
    for where in WHERE:
        one_run(ctx, executor, where, args.ranks)  # warm: the cluster's worker pool, the page cache
    results: dict[str, list[dict[str, float]]] = {where: [] for where in WHERE}
    for repeat in range(args.repeats):
        for name in WHERE:
            results[name].append(one_run(ctx, executor, name, args.ranks))
            last = results[name][-1]
            print(
                f"repeat {repeat + 1}, {name}: first step after {last['to_first_step_s']:.2f} s, "
                f"run {last['total_s']:.2f} s",
                flush=True,
            )
    first = {n: statistics.median(r["to_first_step_s"] for r in runs) for n, runs in results.items()}
    total = {n: statistics.median(r["total_s"] for r in runs) for n, runs in results.items()}
    print(f"small_cnn, digits, 1 epoch, {args.ranks} rank(s), {os.cpu_count()} cores, Ray at {args.ray_address}")
    print(
        f"median claim to first step: local {first['local']:.2f} s, ray {first['ray']:.2f} s "
        f"(ratio {first['ray'] / first['local']:.2f}, +{first['ray'] - first['local']:.2f} s)"
    )
    print(
        f"median claim to end: local {total['local']:.2f} s, ray {total['ray']:.2f} s "
        f"(ratio {total['ray'] / total['local']:.2f}, +{total['ray'] - total['local']:.2f} s)"
    )


if __name__ == "__main__":
    main()
