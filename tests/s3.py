"""A real S3-compatible server for the tests: moto's server mode in a subprocess on a free loopback port.

Credentials are dummies in the usual AWS environment variables, so that every process the tests start
(a ``visionyard serve``, its workers) finds them the ordinary way; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx

from tests.server import free_port

AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


@dataclass
class S3Server:
    endpoint: str
    client: Any
    """A boto3 S3 client on the server."""

    def put_folder(self, bucket: str, prefix: str, folder: Path) -> list[str]:
        """Upload every file under ``folder`` to ``s3://bucket/prefix/<relative path>``; the keys."""
        keys = []
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            key = f"{prefix.strip('/')}/{path.relative_to(folder).as_posix()}"
            self.client.upload_file(str(path), bucket, key)
            keys.append(key)
        return keys

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def get(self, bucket: str, key: str) -> bytes:
        return self.client.get_object(Bucket=bucket, Key=key)["Body"].read()


@contextmanager
def moto_server(log: Path, wait: float = 30) -> Iterator[S3Server]:
    """Start ``moto_server`` on 127.0.0.1, wait until it answers, and kill it afterwards.

    Sets the dummy AWS credentials in ``os.environ`` for the duration (restored afterwards)."""
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    saved = {key: os.environ.get(key) for key in AWS_ENV}
    os.environ.update(AWS_ENV)
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **AWS_ENV},
        )
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                if httpx.get(f"{endpoint}/moto-api/", timeout=2).status_code < 500:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"moto server did not start on {endpoint}; see {log}")
            time.sleep(0.05)
        client = boto3.client("s3", endpoint_url=endpoint, region_name=AWS_ENV["AWS_DEFAULT_REGION"])
        yield S3Server(endpoint, client)
    finally:
        proc.kill()
        proc.wait()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
