"""A real two-node Ray cluster on loopback, a real PostgreSQL server and moto's S3 server, and a
``visionyard serve`` with the Ray executor on them.

Each node is its own raylet with its own ``VISIONYARD_HOME`` (the folder its workers keep their
working copy in): the server's HOME is not theirs, so what a node reads it pulled from the store."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.postgres import postgres_server
from tests.s3 import AWS_ENV, S3Server, moto_server
from tests.server import Server, prepare_home
from visionyard.plugins.catalog import PluginCatalog

BUCKET = "visionyard-cluster"
NODE = {"num_cpus": 1, "include_dashboard": False, "object_store_memory": 100 * 1024**2}
NODE_ENV = {**AWS_ENV, "RAY_USAGE_STATS_ENABLED": "0"}


@dataclass
class RayCluster:
    cluster: Any
    """ray.cluster_utils.Cluster"""
    homes: list[Path]
    """Each node's VISIONYARD_HOME, the head's first."""

    @property
    def address(self) -> str:
        return self.cluster.address

    def add_node(self) -> None:
        """A second node again, with the second node's HOME (after a test removed it)."""
        self.cluster.add_node(**NODE, env_vars={**NODE_ENV, "VISIONYARD_HOME": str(self.homes[1])})
        self.cluster.wait_for_nodes()


@pytest.fixture(scope="package")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    with moto_server(tmp_path_factory.mktemp("moto") / "moto.log") as server:
        server.client.create_bucket(Bucket=BUCKET)
        yield server


@pytest.fixture(scope="package")
def postgres() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="package")
def ray_cluster(
    tmp_path_factory: pytest.TempPathFactory, shared_home: Path, catalog: PluginCatalog, s3: S3Server
) -> Iterator[RayCluster]:
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    from ray.cluster_utils import Cluster

    homes = [tmp_path_factory.mktemp(f"node-{n}") / "home" for n in range(2)]
    for home in homes:
        (home / "cache").mkdir(parents=True)
        shutil.copy(shared_home / "cache" / "plugins.json", home / "cache" / "plugins.json")
    cluster = Cluster(
        initialize_head=True, head_node_args={**NODE, "env_vars": {**NODE_ENV, "VISIONYARD_HOME": str(homes[0])}}
    )
    try:
        nodes = RayCluster(cluster, homes)
        nodes.add_node()
        yield nodes
    finally:
        import ray

        ray.shutdown()  # the tests' own driver, if one connected
        cluster.shutdown()


@pytest.fixture(scope="package")
def cluster_server(
    tmp_path_factory: pytest.TempPathFactory,
    shared_home: Path,
    catalog: PluginCatalog,
    ray_cluster: RayCluster,
    postgres: str,
    s3: S3Server,
) -> Iterator[Server]:
    """``visionyard serve`` with the Ray executor, PostgreSQL and the bucket as its store."""
    home = prepare_home(tmp_path_factory.mktemp("server") / "home", shared_home)
    server = Server(
        home,
        VISIONYARD_EXECUTOR="ray",
        VISIONYARD_RAY_ADDRESS=ray_cluster.address,
        VISIONYARD_DATABASE_URL=postgres,
        VISIONYARD_STORAGE_URL=f"s3://{BUCKET}/store",
        VISIONYARD_S3_ENDPOINT_URL=s3.endpoint,
        VISIONYARD_HEARTBEAT_INTERVAL="0.5",
        VISIONYARD_HEARTBEAT_TIMEOUT="5",
        VISIONYARD_RESTART_BACKOFF="0",
        **AWS_ENV,
    )
    try:
        yield server.start(wait=60)
    finally:
        server.close()
