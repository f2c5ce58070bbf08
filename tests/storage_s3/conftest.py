from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.s3 import S3Server, moto_server
from visionyard.config import Settings

_names = itertools.count()


@pytest.fixture(scope="package")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """One moto server for the folder (each test uses buckets of its own); the dummy AWS credentials it
    puts in the environment are gone again after the folder's last test."""
    with moto_server(tmp_path_factory.mktemp("moto") / "moto.log") as server:
        yield server


@pytest.fixture
def bucket(s3: S3Server) -> str:
    name = f"bucket-{next(_names)}"
    s3.client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def settings(tmp_path: Path, s3: S3Server, bucket: str) -> Settings:
    """A HOME whose artifact store is ``s3://<bucket>/store`` on the moto server."""
    return Settings(home=tmp_path / "home", storage_url=f"s3://{bucket}/store", s3_endpoint_url=s3.endpoint)
