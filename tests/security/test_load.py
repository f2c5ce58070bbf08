"""Load on a real ``visionyard serve`` with real workers (issue 22, "Load"): a storm of run creations and of
pause/resume/stop/retry requests (no 5xx, no run claimed twice, never more running runs than slots), 200
event-stream clients reconnecting with Last-Event-ID (none misses an event), and schemathesis' stateful mode
walking the OpenAPI links from the routes that create runs, datasets and versions to the routes that take
them (no 5xx, every 4xx in the error shape). The SQLite writers' load is tests/db/test_write_load.py."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import threading
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import FlakyStrategyDefinition

from tests.helpers import TINY, SseMessages, make_image_folder
from tests.security.hostile import SPEC_001_ERRORS
from tests.server import Server, prepare_home
from visionyard.core.lifecycle import RUN_MOVES
from visionyard.services import model_registry

pytestmark = pytest.mark.slow

ACTIVE = ("running", "restarting")
ENDED = ("completed", "failed", "stopped")


@pytest.fixture
def home(tmp_path: Path, shared_home: Path, catalog: object) -> Path:
    return prepare_home(tmp_path / "home", shared_home)


@contextmanager
def serving(home: Path, **env: str) -> Iterator[Server]:
    """A started server; on the way out it stops, and every process it started (workers, jobs) ends."""
    server = Server(home, VISIONYARD_HEARTBEAT_INTERVAL="0.5", **env)
    try:
        yield server.start()
    finally:
        started: list[psutil.Process] = []
        if server.proc is not None:
            with suppress(psutil.Error):
                started = psutil.Process(server.proc.pid).children(recursive=True)
        server.close()
        for process in started:
            with suppress(psutil.Error):
                process.kill()


def wrong(label: str, status: int, content: bytes, path: str) -> str | None:
    """What is wrong with an answer: a 5xx, or a 4xx outside the error shape ``{"error": {"code", "message"}}``
    (spec/001's metrics routes answer their own ``{"error": "..."}``)."""
    if status >= 500:
        return f"{label} -> {status}: {content[:300]!r}"
    if status >= 400:
        try:
            error = json.loads(content)["error"]
            if isinstance(error, str) and path.startswith(SPEC_001_ERRORS):
                return None
            assert isinstance(error["code"], str) and isinstance(error["message"], str)
        except (ValueError, KeyError, TypeError, AssertionError):
            return f"{label} -> {status} not in the error shape: {content[:300]!r}"
    return None


@dataclass
class Answers:
    """Every answer the test got, tallied by request and status (and error code), and what was wrong."""

    tally: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, client: httpx.Client, method: str, url: str, label: str, **kwargs: Any) -> httpx.Response | None:
        try:
            response = client.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            with self.lock:
                self.tally[f"{label} -> no answer"] += 1
                self.problems.append(f"{label} -> no answer: {type(exc).__name__}: {exc}")
            return None
        problem = wrong(label, response.status_code, response.content, response.url.path)
        code = ""
        if 400 <= response.status_code < 500 and problem is None:
            code = f" {response.json()['error'].get('code')}"
        with self.lock:
            self.tally[f"{label} -> {response.status_code}{code}"] += 1
            if problem:
                self.problems.append(problem)
        return response

    @property
    def requests(self) -> int:
        return sum(self.tally.values())


def create_body(dataset: str = "tiny", **config: Any) -> dict[str, Any]:
    return {"model": "small_cnn", "dataset": dataset, "config": {**TINY, **config}}


def all_events(client: httpx.Client, run_id: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    while True:
        page = client.get(f"/api/v1/runs/{run_id}/events", params={"after": events[-1]["id"] if events else 0})
        assert page.status_code == 200, page.text
        events.extend(page.json())
        if len(page.json()) < 200:
            return events


def listed(client: httpx.Client, answers: Answers) -> list[dict[str, Any]]:
    response = answers.send(client, "GET", "/api/v1/runs", "GET /api/v1/runs", params={"limit": 500})
    return response.json()["items"] if response is not None and response.status_code == 200 else []


# --- 1. storms of creations and controls ------------------------------------------------------------------------

RUNS, SLOTS = 50, 2
STORMERS = 8
STORM_SECONDS = (15.0, 45.0)
"""The storm lasts at least the first, and until the slots have been claimed ``STORM_CLAIMS`` times (by more runs
than slots, one of them claimed again after a pause or a stop) or the second."""
STORM_CLAIMS = SLOTS + 4
CONTROLS = ("pause", "resume", "stop", "retry")
WEIGHTS = {False: (2, 0.3, 6, 1), True: (2, 6, 1, 1)}
"""How often each control is fired at a run never claimed yet, and at one claimed already. A run not claimed yet
is seldom resumed once it is paused or stopped: the queue drains to a few runs, among them claimed runs that
were paused or stopped and resumed, so that they come to their turn again (the oldest queued run goes first)."""
AT_CLAIMED = 0.15
"""The share of the controls fired at runs claimed already."""
MOVES_TO = {"pause": "paused", "stop": "stopped", "resume": "queued", "retry": "queued"}
MOVE_REASONS = {
    "pause": "paused before it ran",
    "stop": "stopped by request",
    "resume": "resume requested",
    "retry": "retry requested",
}
"""The status a control moves a run without a worker to at once, and the reason its move records."""
ASKS = {"pause": ("pause", "stop"), "stop": ("stop",)}
"""The pending control an accepted pause or stop of a running run leaves (a pause does not replace a stop)."""


@dataclass(frozen=True)
class Accepted:
    run_id: str
    action: str
    status: str
    control: str | None


class Watch(threading.Thread):
    """Lists every run every 0.1 s while the storm goes on: how many hold a slot, which worker each attempt
    has; and which worker processes the server has started for each run."""

    def __init__(self, server: Server, answers: Answers):
        super().__init__(name="watch", daemon=True)
        self.server, self.answers = server, answers
        self.halt = threading.Event()
        self.polls = 0
        self.most = 0
        self.claimed: set[tuple[str, int]] = set()
        """(run, attempt) of every claim seen."""
        self.over: list[list[tuple[str, str, int]]] = []
        self.pids: defaultdict[tuple[str, int], set[int]] = defaultdict(set)
        """(run, attempt) -> the worker pids the API named for it."""
        self.attempts_of_pid: defaultdict[int, set[tuple[str, int]]] = defaultdict(set)
        self.processes: defaultdict[str, set[tuple[int, float]]] = defaultdict(set)
        """run -> the worker processes (pid, start time) seen for it."""

    def run(self) -> None:
        assert self.server.proc is not None
        parent = psutil.Process(self.server.proc.pid)
        with httpx.Client(base_url=self.server.url, timeout=30) as client:
            while not self.halt.wait(0.1):
                items = listed(client, self.answers)
                self.polls += 1
                active = [(i["id"], i["status"], i["attempt"]) for i in items if i["status"] in ACTIVE]
                self.most = max(self.most, len(active))
                self.claimed.update((run_id, attempt) for run_id, _, attempt in active)
                if len(active) > SLOTS:
                    self.over.append(active)
                for item in items:
                    if item["worker_pid"] is not None:
                        self.pids[(item["id"], item["attempt"])].add(item["worker_pid"])
                        self.attempts_of_pid[item["worker_pid"]].add((item["id"], item["attempt"]))
                for child in parent.children():
                    try:
                        cmdline = child.cmdline()
                        if "worker" in cmdline:
                            self.processes[cmdline[-1]].add((child.pid, child.create_time()))
                    except psutil.Error:
                        continue

    def stop(self) -> None:
        self.halt.set()
        self.join(timeout=30)


def create_at_once(server: Server, answers: Answers, count: int) -> list[str]:
    start = threading.Barrier(count)
    ids: list[str] = []

    def create() -> None:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            start.wait()
            response = answers.send(client, "POST", "/api/v1/runs", "POST /api/v1/runs", json=create_body())
            if response is not None and response.status_code == 201:
                ids.append(response.json()["id"])

    threads = [threading.Thread(target=create) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return ids


def storm(server: Server, answers: Answers, ids: list[str], watch: Watch) -> list[Accepted]:
    """``STORMERS`` threads fire controls at random runs (some at runs claimed already, so that they are paused
    while they train, resumed and claimed again) for ``STORM_SECONDS``, until the slots have been
    claimed ``STORM_CLAIMS`` times: each claim waits for a worker that takes seconds to start and obey."""
    accepted: list[Accepted] = []
    started = time.monotonic()

    def going() -> bool:
        elapsed = time.monotonic() - started
        least, most = STORM_SECONDS
        claims = list(watch.claimed)  # one step, while it grows
        again = any(attempt > 1 for _, attempt in claims)
        enough = len(claims) >= STORM_CLAIMS and again and len({run_id for run_id, _ in claims}) > SLOTS
        return elapsed < least or (elapsed < most and not enough)

    def fire(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=server.url, timeout=60) as client:
            while going():
                claimed = sorted({run_id for run_id, _ in list(watch.claimed)})
                run_id = rng.choice(claimed if claimed and rng.random() < AT_CLAIMED else ids)
                action = rng.choices(CONTROLS, WEIGHTS[run_id in claimed])[0]
                response = answers.send(client, "POST", f"/api/v1/runs/{run_id}/{action}", f"POST {action}")
                if response is not None and response.status_code == 200:
                    body = response.json()
                    accepted.append(Accepted(run_id, action, body["status"], body["control"]))
                time.sleep(rng.uniform(0.01, 0.06))

    threads = [threading.Thread(target=fire, args=(seed,)) for seed in range(STORMERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return accepted


def stop_all(server: Server, answers: Answers, accepted: list[Accepted], timeout: float = 120) -> list[dict]:
    """Stop every run that has not ended until all have; the runs as they end."""
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=server.url, timeout=60) as client:
        while True:
            items = listed(client, answers)
            left = [i for i in items if i["status"] not in ENDED]
            if items and not left:
                return items
            assert time.monotonic() < deadline, f"runs still going: {[(i['id'], i['status']) for i in left]}"
            for item in left:
                if item["status"] == "running" and item["control"] == "stop":
                    continue  # asked already: asking again would put off its stop deadline
                run_id = item["id"]
                response = answers.send(client, "POST", f"/api/v1/runs/{run_id}/stop", "POST stop (wind-down)")
                if response is not None and response.status_code == 200:
                    body = response.json()
                    accepted.append(Accepted(run_id, "stop", body["status"], body["control"]))
            time.sleep(0.5)


def check_history(run: dict[str, Any], events: list[dict[str, Any]]) -> list[str]:
    """What is wrong with a run's event log: a status chain that skips or repeats a move, a claim that is not
    the next attempt, an epoch reported twice or skipped."""
    problems = []
    statuses = [e["data"] for e in events if e["kind"] == "status"]
    if not statuses or (statuses[0]["status"], statuses[0]["previous"]) != ("queued", None):
        problems.append(f"{run['id']}: does not start queued: {statuses[:1]}")
    for before, after in itertools.pairwise(statuses):
        if after["previous"] != before["status"] or after["status"] not in RUN_MOVES[before["status"]]:
            problems.append(f"{run['id']}: {before['status']} then {after['previous']} -> {after['status']}")
    claims = [s["attempt"] for s in statuses if s["status"] == "running"]
    if claims != list(range(1, len(claims) + 1)) or run["attempt"] != len(claims):
        problems.append(f"{run['id']}: claimed as attempts {claims}, now attempt {run['attempt']}")
    if statuses and statuses[-1]["status"] != run["status"]:
        problems.append(f"{run['id']}: last status event {statuses[-1]['status']}, run {run['status']}")
    epochs = [e["data"]["epoch"] for e in events if e["kind"] == "epoch"]
    if epochs != list(range(1, len(epochs) + 1)) or len(epochs) != run["current_epoch"]:
        problems.append(f"{run['id']}: epochs {epochs}, current epoch {run['current_epoch']}")
    return problems


def check_accepted(run: dict[str, Any], events: list[dict[str, Any]], accepted: list[Accepted]) -> list[str]:
    """Every accepted control did what its answer said, once: a run without a worker moved at once (one status
    event each, with the reason the control gives), a running one was asked (it has the pending control)."""
    problems = []
    mine = [a for a in accepted if a.run_id == run["id"]]
    for a in mine:
        if a.status != MOVES_TO[a.action] and not (a.status == "running" and a.control in ASKS.get(a.action, ())):
            problems.append(f"{run['id']}: {a.action} answered 200 with {a.status} (control {a.control})")
    reasons = Counter(e["data"].get("reason") for e in events if e["kind"] == "status")
    for action, reason in MOVE_REASONS.items():
        moved = sum(1 for a in mine if a.action == action and a.status == MOVES_TO[action])
        if reasons[reason] != moved:
            problems.append(f"{run['id']}: {moved} {action}s moved it at once, {reasons[reason]} moves '{reason}'")
    if run["status"] == "stopped" and not any(a.action == "stop" for a in mine):
        problems.append(f"{run['id']}: stopped, but no stop was accepted")
    if run["status"] == "completed" and run["current_epoch"] != run["epochs"]:
        problems.append(f"{run['id']}: completed at epoch {run['current_epoch']} of {run['epochs']}")
    return problems


def test_storms_of_creations_and_controls_get_no_5xx_no_double_claim_and_never_more_running_runs_than_slots(
    home: Path,
):
    started = time.monotonic()
    with serving(home, VISIONYARD_MAX_CONCURRENT_RUNS=str(SLOTS), VISIONYARD_RESTART_BACKOFF="0.2") as server:
        answers = Answers()
        watch = Watch(server, answers)
        watch.start()
        ids = create_at_once(server, answers, RUNS)
        assert len(ids) == RUNS, answers.problems[:5] or answers.tally
        accepted = storm(server, answers, ids, watch)
        stormed, storm_s = answers.requests, time.monotonic() - started
        runs = {r["id"]: r for r in stop_all(server, answers, accepted)}
        watch.stop()
        histories = {run_id: all_events(server.client, run_id) for run_id in ids}
        logs = "\n".join(p.read_text(errors="replace") for p in (home / "runs").glob("*/logs/worker.log"))
    elapsed = time.monotonic() - started
    print(f"\nstorm: {stormed} requests in {storm_s:.0f} s ({answers.requests} with the wind-down, {elapsed:.0f} s)")
    print("\n".join(f"  {label}: {n}" for label, n in sorted(answers.tally.items())))

    assert not answers.problems, "\n".join(answers.problems[:20])
    controls = {label for label in answers.tally if label.startswith("POST ") and label != "POST /api/v1/runs -> 201"}
    assert all(label.endswith((" 200", " 409 transition_not_allowed")) for label in controls), controls

    assert watch.polls > 50 and not watch.over, f"more than {SLOTS} runs held a slot: {watch.over[:3]}"
    doubled = {key: pids for key, pids in watch.pids.items() if len(pids) > 1}
    assert not doubled, f"an attempt with two workers: {doubled}"
    shared = {pid: keys for pid, keys in watch.attempts_of_pid.items() if len(keys) > 1}
    assert not shared, f"a worker on two attempts: {shared}"
    assert "belongs to worker" not in logs, "a second worker tried to claim an attempt that had one"

    problems = []
    claims = Counter()
    for run_id in ids:
        run, events = runs[run_id], histories[run_id]
        problems += check_history(run, events) + check_accepted(run, events, accepted)
        claims[run_id] = sum(1 for e in events if e["kind"] == "status" and e["data"]["status"] == "running")
        if len(watch.processes[run_id]) > claims[run_id]:
            problems.append(f"{run_id}: {len(watch.processes[run_id])} workers started for {claims[run_id]} claims")
    assert not problems, "\n".join(problems[:20])

    final = Counter(run["status"] for run in runs.values())
    asked = Counter(e["data"]["request"] for events in histories.values() for e in events if e["kind"] == "control")
    claimed, again = sum(1 for n in claims.values() if n), sum(n - 1 for n in claims.values() if n > 1)
    print(f"  {sum(claims.values())} claims of {claimed} runs ({again} again), workers asked {dict(asked)}, {final}")
    failed = {r["id"]: r["error"] for r in runs.values() if r["status"] == "failed"}
    assert set(final) <= {"completed", "stopped"}, failed
    assert watch.most == SLOTS and sum(claims.values()) > SLOTS, "the storm never kept the slots busy"
    assert asked["pause"] + asked["stop"] > 0, "no control reached a running run"
    moves = Counter(a.action for a in accepted if a.status != "running")
    assert all(moves[action] for action in ("pause", "resume", "stop")), moves


# --- 2. event-stream clients reconnecting -----------------------------------------------------------------------

SSE_CLIENTS, SSE_EPOCHS = 200, 8


@dataclass
class Follower:
    """One client's view of the stream: every message it got, over every connection."""

    messages: list[dict[str, str]] = field(default_factory=list)
    connections: int = 0
    opened: list[float] = field(default_factory=list)
    """When each connection was opened (epoch seconds)."""
    refused: list[int] = field(default_factory=list)


async def sse_messages(response: httpx.Response) -> AsyncIterator[dict[str, str]]:
    """Complete messages only: one cut short by a disconnect is not one the client has seen."""
    messages = SseMessages()
    async for line in response.aiter_lines():
        if (message := messages.feed(line)) is not None:
            yield message


async def follow(client: httpx.AsyncClient, path: str, seed: int) -> Follower:
    """Read a few messages (or for a moment), hang up, reconnect with the last id seen; until the stream ends
    by itself (the run has finished and everything was sent)."""
    rng, seen = random.Random(seed), Follower()
    while seen.connections < 1000:
        seen.connections += 1
        seen.opened.append(time.time())
        headers = {"Last-Event-ID": seen.messages[-1]["id"]} if seen.messages else {}
        quota = rng.randint(1, 5)
        patience = rng.uniform(0.2, 2.0) if rng.random() < 0.25 else None
        ended = False
        try:
            async with asyncio.timeout(patience), client.stream("GET", path, headers=headers) as response:
                if response.status_code != 200:
                    seen.refused.append(response.status_code)
                else:
                    got = 0
                    async for message in sse_messages(response):
                        seen.messages.append(message)
                        got += 1
                        if got == quota:
                            break
                    else:
                        ended = True
        except TimeoutError:
            pass
        if ended:
            return seen
        await asyncio.sleep(rng.uniform(0, 0.1))
    return seen


async def follow_all(url: str, path: str, clients: int) -> list[Follower]:
    limits = httpx.Limits(max_connections=clients + 50, max_keepalive_connections=0)
    timeout = httpx.Timeout(120, connect=60)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) as client:
        return await asyncio.wait_for(asyncio.gather(*(follow(client, path, n) for n in range(clients))), 240)


def test_two_hundred_event_stream_clients_reconnecting_with_last_event_id_miss_no_event(home: Path):
    make_image_folder(home / "data" / "longer", per_class=40)  # epochs long enough to stream while they run
    with serving(home, VISIONYARD_SSE_MAX_CLIENTS=str(4 * SSE_CLIENTS)) as server:
        created = server.client.post("/api/v1/runs", json=create_body("longer", epochs=SSE_EPOCHS))
        assert created.status_code == 201, created.text
        run_id = created.json()["id"]
        followers = asyncio.run(follow_all(server.url, f"/api/v1/runs/{run_id}/metrics/stream", SSE_CLIENTS))
        run = server.client.get(f"/api/v1/runs/{run_id}").json()
        truth = all_events(server.client, run_id)
    assert run["status"] == "completed", run["error"]
    ids = [str(e["id"]) for e in truth]
    epochs = [e["data"]["epoch"] for e in truth if e["kind"] == "epoch"]
    assert epochs == list(range(1, SSE_EPOCHS + 1))
    connections = sum(f.connections for f in followers)
    ended_at = datetime.fromisoformat(truth[-1]["created_at"]).replace(tzinfo=UTC).timestamp()
    live = sum(1 for f in followers for at in f.opened if at < ended_at)
    received = sum(len(f.messages) for f in followers)
    print(f"\nsse: {len(followers)} clients, {connections} connections ({live} during the run), {received} messages")
    print(f"  the run's log: {len(truth)} events")

    by_id = {str(e["id"]): e for e in truth}
    for n, seen in enumerate(followers):
        assert not seen.refused, f"client {n} refused: {seen.refused}"
        got = [m["id"] for m in seen.messages]
        assert got == ids, f"client {n} over {seen.connections} connections got {got}, the log has {ids}"
        for message in seen.messages:
            event, data = by_id[message["id"]], json.loads(message["data"])
            assert message["event"] == event["kind"] and data["run_id"] == run_id
            assert {key: data[key] for key in event["data"]} == event["data"], (message, event)
        assert json.loads(seen.messages[-1]["data"])["status"] == "completed"
    assert live > 3 * SSE_CLIENTS, f"the clients hardly reconnected while the run went on: {live} times"


# --- 3. schemathesis' stateful mode -----------------------------------------------------------------------------

SCENARIOS, STEPS = 12, 12


def test_stateful_walks_along_the_links_from_create_routes_get_no_5xx(home: Path):
    with serving(home, VISIONYARD_MAX_CONCURRENT_RUNS="1") as server:
        trained = server.client.post("/api/v1/runs", json=create_body()).json()["id"]
        assert server.wait_for(trained, ENDED)["status"] == "completed"
        dataset = str(home / "data" / "tiny")
        schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json").exclude(path_regex=r".*/metrics/stream$")
        problems: list[str] = []
        tally: Counter[str] = Counter()
        made: dict[str, set[str]] = defaultdict(set)
        """What the walk created: run ids, dataset names, versions ("name/ref")."""
        followed: Counter[str] = Counter()

        def realistic(case: schemathesis.Case) -> None:
            """Most creations name what exists (a model, a dataset, a trained run): else every one is a 422 and
            no link is ever followed. The rest stay as generated."""
            body = case.body if isinstance(case.body, dict) else None
            if body is None or zlib.crc32(json.dumps(body, sort_keys=True, default=str).encode()) % 3 == 0:
                return
            label = case.operation.label
            if label == "POST /api/v1/runs":
                case.body = create_body(**({"name": body["name"]} if isinstance(body.get("name"), str) else {}))
            elif label == "POST /api/v1/datasets":
                case.body = {**body, "path": dataset}
            elif label == "POST /api/v1/registry/models/{name}/versions":
                case.body = {"run_id": trained}
                if not model_registry.NAME.fullmatch(str((case.path_parameters or {}).get("name"))):
                    case.path_parameters = {**(case.path_parameters or {}), "name": "walked"}

        class Walk(schema.as_state_machine()):  # type: ignore[misc]
            def before_call(self, case: schemathesis.Case) -> None:
                realistic(case)

            def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
                return {"timeout": 60}  # not schemathesis' 10 s: a plugin rescan (?refresh=true) takes longer

            def validate_response(self, response: Any, case: schemathesis.Case, *args: Any, **kwargs: Any) -> None:
                label, status = case.operation.label, response.status_code
                tally[f"{label} -> {status}"] += 1
                if problem := wrong(label, status, response.content, case.formatted_path):
                    problems.append(problem)
                params = case.path_parameters or {}
                if status < 300:
                    if params.get("run_id") in made["runs"]:
                        followed[f"{label} -> {status}"] += 1
                    if params.get("name") in made["datasets"] and label.startswith("GET /api/v1/datasets/"):
                        followed[f"{label} -> {status}"] += 1
                    if f"{params.get('name')}/{params.get('ref')}" in made["versions"]:
                        followed[f"{label} -> {status}"] += 1
                if status == 201 and label == "POST /api/v1/runs":
                    made["runs"].add(response.json()["id"])
                elif status == 201 and label.startswith("POST /api/v1/datasets"):
                    made["datasets"].add(response.json()["name"])
                elif status == 201 and label == "POST /api/v1/registry/models/{name}/versions":
                    made["versions"].add(f"{params['name']}/{response.json()['version']}")

        walk = settings(
            max_examples=SCENARIOS,
            stateful_step_count=STEPS,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,  # the same walk each time: a random one now and then made one run and followed nothing
        )
        replays = 0
        while replays < 3 and sum(tally.values()) < SCENARIOS * STEPS // 2:
            try:
                Walk.run(settings=walk)
            except FlakyStrategyDefinition:
                # a live server answers a replayed prefix otherwise (what it created is there now), so the
                # steps Hypothesis draws differ: walk on, as schemathesis' own runner does
                replays += 1
        log = (server.home / "server.log").read_text(errors="replace").splitlines()
    steps = sum(tally.values())
    counts = {kind: len(ids) for kind, ids in made.items()}
    print(f"\nstateful: {steps} steps ({replays} walks cut short), made {counts}, followed {dict(followed)}")
    print("\n".join(f"  {label}: {n}" for label, n in sorted(tally.items())))
    assert not problems, "\n".join([*problems[:10], "server log tail:", *log[-60:]])
    # the walk is random: which links it takes varies, that it follows some from what it created does not
    assert made["runs"] and sum(followed.values()), (made, followed)
