"""Hostile input on every route of the OpenAPI document, as a user out to read files or break the server
would send it: traversal in every path and query parameter, wrong types, huge values and traversal in
every body field. Every answer is a 4xx in the error shape (or a plain success), never a 5xx, and none
holds a byte of a file outside HOME and the data roots."""

from __future__ import annotations

import json
import os
import socket
from urllib.parse import quote

import pytest

from tests.helpers import TINY
from tests.security.conftest import Estate
from tests.security.hostile import Operation, Tally, check, operations, sample, url

pytestmark = pytest.mark.slow


def payloads(estate: Estate) -> list[tuple[str, str]]:
    """(label, text as sent in the URL): escapes in the text are sent as escapes."""
    secret = str(estate.outside / "secret.txt")
    raw = {
        "dot-dot": "../../../../../../../../etc/passwd",
        "dot-dot to the canary": "../../../outside/secret.txt",
        "dots": "..",
        "dot": ".",
        "doubled dots": "....//....//....//etc/passwd",
        "backslashes": "..\\..\\..\\..\\etc\\passwd",
        "absolute": "/etc/passwd",
        "absolute canary": secret,
        "home": "~/.ssh/id_rsa",
        "drive": "C:\\Windows\\win.ini",
        "file url": "file:///etc/passwd",
        "full-width dots": "\uff0e\uff0e/\uff0e\uff0e/\uff0e\uff0e/etc/passwd",
        "NUL": "a\x00b",
        "space": " ",
        "long": "a" * 3000,
        "long path": "a/" * 600,
        "long unicode": "é" * 300,
        "link to the canary": "train/a/escape.png",
        "through a linked folder": "escape/secret.txt",
        "huge number": "99999999999999999999",
        "negative": "-1",
        "superscript digit": "\u00b2",
        "epoch selector": "epoch:\u00b2",
    }
    sent = [(label, quote(text, safe="")) for label, text in raw.items()]
    escaped = {
        "percent-encoded dot-dot": "%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "double-encoded dot-dot": "%252e%252e%252f%252e%252e%252fetc%252fpasswd",
        "overlong UTF-8 dot-dot": "%c0%ae%c0%ae%c0%af%c0%ae%c0%ae%c0%afetc%c0%afpasswd",
        "percent NUL": "%00",
        "encoded absolute canary": quote(quote(secret, safe=""), safe=""),
    }
    return sent + list(escaped.items())


@pytest.fixture(scope="module")
def ops(estate: Estate) -> list[Operation]:
    return operations(estate.server.client.get("/openapi.json").json())


def test_every_path_and_query_parameter_refuses_hostile_values(estate: Estate, ops: list[Operation]):
    tally = Tally()
    values = payloads(estate)
    for op in ops:
        for name, where in op.params:
            for label, text in values:
                if where == "path":
                    target, query = url(estate, op, (name, text)), ""
                else:
                    target, query = url(estate, op), f"{quote(name)}={text}"
                tally.probe(f"{op.label} {name}={label}", estate, op, target, query=query)
    print(f"{tally.requests} requests over {len(ops)} operations")
    assert len(ops) >= 70 and tally.requests > 2000
    assert not tally.failures, "\n".join(tally.failures[:30])


BODY_VALUES = [
    ("an int", 123456789),
    ("a string", "not-what-you-want"),
    ("a bool", True),
    ("null", None),
    ("a list", [1, "two", None]),
    ("an object", {"nested": {"deeper": 1}}),
    ("a huge string", "x" * 200_000),
    ("-1", -1),
    ("0", 0),
    ("2**31", 2**31),
    ("2**63", 2**63),
    ("-2**63", -(2**63)),
    ("1e308", 1e308),
    ("1e-308", 1e-308),
    ("dot-dot", "../../../../../../etc/passwd"),
    ("absolute", "/etc/passwd"),
    ("NUL", "a\x00b"),
    ("a superscript epoch", "epoch:\u00b2"),
    ("a huge epoch", "epoch:99999999999999999999"),
]
WHOLE_BODIES = [
    ("no body", b""),
    ("not JSON", b"{not json"),
    ("a list", b"[1, 2, 3]"),
    ("a string", b'"text"'),
    ("deeply nested", b"[" * 50_000 + b"]" * 50_000),
    ("huge keys", json.dumps({"k" * 10_000: 1}).encode()),
    ("many keys", json.dumps({f"k{i}": i for i in range(20_000)}).encode()),
]


def test_every_body_field_refuses_wrong_types_huge_values_and_traversal(estate: Estate, ops: list[Operation]):
    tally = Tally()
    with_bodies = [op for op in ops if op.media == "application/json"]
    for op in with_bodies:
        base = sample(op.body, estate=estate)
        target = url(estate, op)
        fields = list(op.body.get("properties", {})) if isinstance(op.body, dict) else []
        for name in fields:
            for label, value in BODY_VALUES:
                body = {**(base if isinstance(base, dict) else {}), name: value}
                tally.probe(f"{op.label} body.{name}={label}", estate, op, target, body=body)
        for label, raw in WHOLE_BODIES:
            tally.probe(f"{op.label} body: {label}", estate, op, target, raw=raw)
    stop_what_they_queued(estate)
    print(f"{tally.requests} requests over {len(with_bodies)} operations with a JSON body")
    assert len(with_bodies) >= 10
    assert not tally.failures, "\n".join(tally.failures[:30])


def stop_what_they_queued(estate: Estate) -> None:
    """Bodies that were valid after all queued runs: stopped, so later tests find the slot free."""
    client = estate.server.client
    for status in ("queued", "running", "restarting"):
        for run in client.get("/api/v1/runs", params={"status": status, "limit": 500}).json()["items"]:
            client.post(f"/api/v1/runs/{run['id']}/stop")
    for run in client.get("/api/v1/runs", params={"limit": 500}).json()["items"]:
        estate.server.wait_for(run["id"], ("completed", "failed", "stopped", "paused"))


def test_links_inside_a_data_root_that_lead_outside_are_not_followed(estate: Estate):
    client = estate.server.client
    for relative in ("train/a/escape.png", "escape/secret.png", "escape/secret.txt"):
        response = client.get(f"/api/v1/datasets/linked/images/{relative}")
        assert 400 <= response.status_code < 500 and check(response, relative) is None, response.text
    listed = client.get("/api/v1/datasets/linked/samples", params={"per_class": 100}).json()
    assert all("escape" not in json.dumps(sample) for sample in listed)


def test_a_request_that_the_http_layer_cannot_parse_is_answered_not_dropped(estate: Estate):
    """A literal space inside the request target: the HTTP server refuses it with a 400 and closes."""
    host, port = estate.server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(b"GET /api/v1/datasets/tiny/images/a b.png HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400")


def test_a_weights_path_outside_home_and_the_data_roots_is_refused_before_anything_is_queued(estate: Estate):
    client = estate.server.client
    before = client.get("/api/v1/runs", params={"limit": 500}).json()["total"]
    for given in ("/etc/passwd", str(estate.outside / "secret.txt"), "../../outside/secret.txt", "missing.pth"):
        body = {"model": "small_cnn", "dataset": "tiny", "config": {"pretrained": True, "pretrained_weights": given}}
        response = client.post("/api/v1/runs", json=body)
        assert response.status_code == 422, response.text
        assert check(response, given) is None and "pretrained_weights" in response.json()["error"]["message"]
    assert client.get("/api/v1/runs", params={"limit": 500}).json()["total"] == before


class Planted:
    """A pickle that would leave a file behind if anything unpickled it."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_planted_pickle_as_weights_never_runs_and_the_run_says_what_to_do(estate: Estate):
    import torch

    marker = estate.outside / "pickle-ran"
    weights = estate.server.home / "weights"
    weights.mkdir(exist_ok=True)
    torch.save({"conv.weight": Planted(str(marker))}, weights / "planted.pth")
    body = {
        "model": "small_cnn",
        "dataset": "tiny",
        "config": {**TINY, "pretrained": True, "pretrained_weights": "planted.pth"},
    }
    created = estate.server.client.post("/api/v1/runs", json=body)
    assert created.status_code == 201, created.text
    done = estate.server.wait_for(created.json()["id"], ("completed", "failed"))
    assert done["status"] == "failed" and done["restarts"] == 0  # permanent: no restart could help
    assert done["error"].startswith(f"{weights / 'planted.pth'} is not a plain weights file"), done["error"]
    assert "torch.save(model.state_dict(), path)" in done["error"]
    assert not marker.exists()
