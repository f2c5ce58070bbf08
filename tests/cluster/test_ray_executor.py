"""Runs on a real two-node Ray cluster, with PostgreSQL and S3 as the only state the nodes share with
the server: trained there, restarted when their Ray worker is killed, adopted by a restarted server,
paused and resumed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.cluster.conftest import BUCKET, RayCluster
from tests.helpers import TINY
from tests.s3 import S3Server
from tests.server import Server

pytestmark = [pytest.mark.ray, pytest.mark.postgres, pytest.mark.slow]
LONG = 30
"""Epochs of a run that is still training when the test kills, removes or pauses under it (an epoch of
the tiny dataset takes a fraction of a second)."""


def create(server: Server, **config) -> dict:
    body = {"model": "small_cnn", "dataset": "tiny", "config": {**TINY, **config}}
    response = server.client.post("/api/v1/runs", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def node_of(ray_cluster: RayCluster, run_id: str) -> int:
    """Which node's HOME holds the run's working copy (the node that trained it)."""
    found = [n for n, home in enumerate(ray_cluster.homes) if (home / "runs" / run_id / "run.json").is_file()]
    assert found, f"no node trained {run_id}"
    return found[0]


def test_a_run_trains_on_the_cluster_with_its_state_in_postgresql_and_s3(
    cluster_server: Server, ray_cluster: RayCluster, s3: S3Server
):
    run = create(cluster_server, epochs=2)
    done = cluster_server.wait_for(run["id"], ("completed", "failed"), timeout=240)
    assert done["status"] == "completed", done["error"]
    assert done["executor"] == "ray" and done["worker_ref"] and done["worker_node"]

    node_home = ray_cluster.homes[node_of(ray_cluster, run["id"])]
    assert (node_home / "data" / "tiny").is_dir()  # the dataset came to the node through the store
    prefix = f"store/runs/{run['id']}/"
    keys = set(s3.keys(BUCKET, prefix))
    assert {prefix + "checkpoints/best.ckpt", prefix + "checkpoints/last.ckpt", prefix + "metrics.json"} <= keys
    rows = cluster_server.client.get(f"/api/v1/runs/{run['id']}/metrics").json()["rows"]
    assert [r["epoch"] for r in rows] == [1, 2]  # reported by the node's worker into PostgreSQL
    validations = cluster_server.client.get(f"/api/v1/runs/{run['id']}/validation").json()
    assert 2 in [v["epoch"] for v in validations]  # the node's validation folders, served from the store
    report = cluster_server.client.get(f"/api/v1/runs/{run['id']}/validation/best")
    assert report.status_code == 200 and report.json()["metrics"], report.text
    log = cluster_server.client.get(f"/api/v1/runs/{run['id']}/logs").json()["lines"]
    assert any("dataset fingerprint" in line for line in log)  # the node's training log, as far as its last push

    server_copy = cluster_server.home / "runs" / run["id"] / "checkpoints" / "best.ckpt"
    assert not server_copy.exists()  # the server has only what it pulls from the store
    test = cluster_server.client.post(f"/api/v1/runs/{run['id']}/tests", json={"checkpoint": "best", "split": "val"})
    assert test.status_code == 202, test.text
    deadline = time.monotonic() + 120
    while (body := cluster_server.client.get(f"/api/v1/runs/{run['id']}/tests/{test.json()['id']}").json())[
        "status"
    ] not in ("completed", "failed"):
        assert time.monotonic() < deadline, body
        time.sleep(0.2)
    assert body["status"] == "completed", body["error"]
    assert server_copy.read_bytes() == s3.get(BUCKET, prefix + "checkpoints/best.ckpt")
    job_folder = Path("runs", run["id"], "tests", test.json()["id"])
    assert [home for home in ray_cluster.homes if (home / job_folder).is_dir()], "the test did not run on a node"
    assert not list((cluster_server.home / job_folder).glob("*.ckpt"))
    images = cluster_server.client.get(f"/api/v1/runs/{run['id']}/tests/{test.json()['id']}/images")
    assert images.status_code == 200 and images.json()["total"] == 24, images.text  # the node's records


def test_a_run_asking_for_this_host_trains_here_beside_the_cluster(cluster_server: Server):
    response = cluster_server.client.post(
        "/api/v1/runs", json={"model": "small_cnn", "dataset": "tiny", "config": TINY, "executor": "local"}
    )
    assert response.status_code == 201, response.text
    done = cluster_server.wait_for(response.json()["id"], ("completed", "failed"), timeout=240)
    assert done["status"] == "completed", done["error"]
    assert (done["requested_executor"], done["executor"], done["worker_ref"]) == ("local", "local", None)
    assert done["worker_node"] == socket.gethostname()


def test_serve_refuses_a_cluster_of_several_nodes_with_state_on_this_host(ray_cluster: RayCluster, tmp_path):
    env = {
        "VISIONYARD_HOME": str(tmp_path),
        "VISIONYARD_EXECUTOR": "ray",
        "VISIONYARD_RAY_ADDRESS": ray_cluster.address,
    }
    result = subprocess.run(
        [sys.executable, "-m", "visionyard", "serve", "--port", "0"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "has 2 nodes" in result.stderr and "SQLite" in result.stderr and "VISIONYARD_STORAGE_URL" in result.stderr


def cluster_actors(ray_cluster: RayCluster, run_id: str) -> list[str]:
    """The live actors of this run's attempts on the cluster (asked as a driver of its own)."""
    import ray

    if not ray.is_initialized():
        ray.init(address=ray_cluster.address, namespace="tests", log_to_driver=False)
    named = ray.util.list_named_actors(all_namespaces=True)
    return [a["name"] for a in named if a["name"].startswith(f"run-{run_id}-")]


def wait_no_actors(ray_cluster: RayCluster, run_id: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while actors := cluster_actors(ray_cluster, run_id):
        assert time.monotonic() < deadline, f"actors left on the cluster: {actors}"
        time.sleep(0.5)


def test_a_killed_ray_worker_is_restarted_from_its_checkpoint_and_completes(
    cluster_server: Server, ray_cluster: RayCluster
):
    run = create(cluster_server, epochs=LONG)
    training = cluster_server.wait_training(run["id"], attempt=1, timeout=120)
    while cluster_server.client.get(f"/api/v1/runs/{run['id']}").json()["current_epoch"] < 1:
        time.sleep(0.1)
    actor = psutil.Process(training["worker_pid"]).parent()  # the Ray worker process holding the actor
    assert "ray" in " ".join(actor.cmdline()).lower()
    actor.kill()
    done = cluster_server.wait_for(run["id"], ("completed", "failed"), timeout=240)
    assert done["status"] == "completed", done["error"]
    assert done["attempt"] == 2 and done["restarts"] == 1
    events = cluster_server.client.get(f"/api/v1/runs/{run['id']}/events").json()
    restarted = [e["data"] for e in events if e["kind"] == "status" and e["data"]["status"] == "restarting"]
    assert "Ray actor died" in restarted[0]["reason"]
    epochs = [r["epoch"] for r in cluster_server.client.get(f"/api/v1/runs/{run['id']}/metrics").json()["rows"]]
    assert epochs == list(range(1, LONG + 1))  # continued from the checkpoint, no epoch lost or repeated
    wait_no_actors(ray_cluster, run["id"])


def test_a_restarted_server_adopts_the_run_training_on_the_cluster(cluster_server: Server, ray_cluster: RayCluster):
    import ray

    run = create(cluster_server, epochs=500)
    cluster_server.wait_training(run["id"], attempt=1, timeout=120)
    cluster_server.kill()
    cluster_actors(ray_cluster, "")  # connects this test's driver
    stray = ray.remote(num_cpus=0)(Blocker).options(name="run-gone-1", namespace="visionyard", lifetime="detached")
    ray.get(stray.remote().ready.remote())  # an attempt that ended while no server was there to end it
    cluster_server.start(wait=60)
    events = cluster_server.client.get(f"/api/v1/runs/{run['id']}/events").json()
    assert [e["data"]["action"] for e in events if e["kind"] == "reconcile"] == ["adopted"]
    assert cluster_actors(ray_cluster, "gone") == []  # the stray was ended when the server started
    cluster_server.wait_training(run["id"], attempt=1, timeout=120)  # the same worker trains on
    cluster_server.client.post(f"/api/v1/runs/{run['id']}/stop")
    stopped = cluster_server.wait_for(run["id"], ("stopped", "completed", "failed"), timeout=120)
    assert (stopped["status"], stopped["attempt"]) == ("stopped", 1), stopped["error"]
    wait_no_actors(ray_cluster, run["id"])  # the adopted actor is ended with its work


def test_a_run_on_the_cluster_pauses_and_resumes(cluster_server: Server, ray_cluster: RayCluster):
    run = create(cluster_server, epochs=LONG)
    cluster_server.wait_training(run["id"], attempt=1, timeout=120)
    assert cluster_server.client.post(f"/api/v1/runs/{run['id']}/pause").json()["control"] == "pause"
    paused = cluster_server.wait_for(run["id"], ("paused", "completed", "failed"), timeout=120)
    assert paused["status"] == "paused"
    wait_no_actors(ray_cluster, run["id"])
    assert cluster_server.client.post(f"/api/v1/runs/{run['id']}/resume").json()["status"] == "queued"
    done = cluster_server.wait_for(run["id"], ("completed", "failed"), timeout=240)
    assert done["status"] == "completed" and done["attempt"] == 2, done["error"]
    epochs = [r["epoch"] for r in cluster_server.client.get(f"/api/v1/runs/{run['id']}/metrics").json()["rows"]]
    assert epochs == list(range(1, LONG + 1))


def test_a_run_on_a_removed_node_waits_for_room_and_completes_elsewhere(
    cluster_server: Server, ray_cluster: RayCluster
):
    """The head's CPU taken, the run goes to the other node; that node removed, the restarted attempt waits
    for a free CPU (Ray holds it, no heartbeat yet: not taken for dead), then trains on the head."""
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    cluster_actors(ray_cluster, "")  # connects this test's driver
    head = ray_cluster.cluster.head_node.node_id
    on_head = NodeAffinitySchedulingStrategy(node_id=head, soft=False)
    blocker = ray.remote(num_cpus=1)(Blocker).options(scheduling_strategy=on_head).remote()
    ray.get(blocker.ready.remote())
    try:
        run = create(cluster_server, epochs=LONG)
        cluster_server.wait_training(run["id"], attempt=1, timeout=120)
        assert node_of(ray_cluster, run["id"]) == 1
        (worker,) = ray_cluster.cluster.worker_nodes
        ray_cluster.cluster.remove_node(worker, allow_graceful=False)
        deadline = time.monotonic() + 60
        while cluster_server.client.get(f"/api/v1/runs/{run['id']}").json()["attempt"] < 2:
            assert time.monotonic() < deadline, "the run on the removed node was not restarted"
            time.sleep(0.2)
        time.sleep(7)  # past the heartbeat timeout: the new attempt waits on Ray for the head's CPU
        waiting = cluster_server.client.get(f"/api/v1/runs/{run['id']}").json()
        assert (waiting["status"], waiting["attempt"], waiting["worker_pid"]) == ("running", 2, None)
        assert "Ray actor died" in waiting["error"]
    finally:
        ray.kill(blocker)
    done = cluster_server.wait_for(run["id"], ("completed", "failed"), timeout=240)
    assert done["status"] == "completed" and done["attempt"] == 2, done["error"]
    ray_cluster.add_node()


class Blocker:
    """Holds a CPU of the node it is placed on."""

    def ready(self) -> bool:
        return True


def test_a_run_over_two_nodes_trains_one_rank_on_each(cluster_server: Server, ray_cluster: RayCluster, s3: S3Server):
    run = create(cluster_server, epochs=2, **{"hardware.nodes": 2})
    done = cluster_server.wait_for(run["id"], ("completed", "failed"), timeout=240)
    assert done["status"] == "completed", done["error"]
    assert done["executor"] == "ray" and done["worker_ref"] and done["worker_node"]
    rows = cluster_server.client.get(f"/api/v1/runs/{run['id']}/metrics").json()["rows"]
    assert [r["epoch"] for r in rows] == [1, 2]  # rank zero alone reports
    for home in ray_cluster.homes:  # each node pulled the dataset and the run's copy for its rank
        assert (home / "data" / "tiny").is_dir() and (home / "runs" / run["id"] / "config.json").is_file()
    logs = [home / "runs" / run["id"] / "logs" / "rank-1.log" for home in ray_cluster.homes]
    assert [log for log in logs if log.is_file()], "rank 1 left no log on its node"
    prefix = f"store/runs/{run['id']}/"
    assert {prefix + "checkpoints/best.ckpt", prefix + "checkpoints/last.ckpt"} <= set(s3.keys(BUCKET, prefix))
    wait_no_actors(ray_cluster, run["id"])


def test_a_run_over_two_nodes_restarts_when_a_rank_is_killed_and_pauses_and_resumes(
    cluster_server: Server, ray_cluster: RayCluster
):
    run = create(cluster_server, epochs=LONG, **{"hardware.nodes": 2})
    training = cluster_server.wait_training(run["id"], attempt=1, timeout=180)
    while cluster_server.client.get(f"/api/v1/runs/{run['id']}").json()["current_epoch"] < 1:
        time.sleep(0.1)
    psutil.Process(training["worker_pid"]).kill()  # rank zero's Ray Train worker
    cluster_server.wait_training(run["id"], attempt=2, timeout=180)
    assert cluster_server.client.post(f"/api/v1/runs/{run['id']}/pause").json()["control"] == "pause"
    paused = cluster_server.wait_for(run["id"], ("paused", "completed", "failed"), timeout=120)
    assert paused["status"] == "paused", paused["error"]
    wait_no_actors(ray_cluster, run["id"])
    assert cluster_server.client.post(f"/api/v1/runs/{run['id']}/resume").json()["status"] == "queued"
    done = cluster_server.wait_for(run["id"], ("completed", "failed"), timeout=300)
    assert (done["status"], done["attempt"]) == ("completed", 3), done["error"]
    events = cluster_server.client.get(f"/api/v1/runs/{run['id']}/events").json()
    moves = [e["data"]["status"] for e in events if e["kind"] == "status"]
    assert moves.count("restarting") == 1 and moves.count("paused") == 1  # the kill, then the pause
    epochs = [r["epoch"] for r in cluster_server.client.get(f"/api/v1/runs/{run['id']}/metrics").json()["rows"]]
    assert epochs == list(range(1, LONG + 1))  # from the checkpoint after the kill and the pause, on both nodes
