"""API and live-event latency of a real ``visionyard serve`` over a seeded database.

A temporary VISIONYARD_HOME gets a SQLite database with 10,000 runs (completed, failed, stopped
and paused; none queued or running, so the scheduler starts no worker), a realistic ~2 KB config
each, 100 metric rows per run (~10 values a row) and their status and epoch events; every 10th run
is a trial of one of the sweeps (20 trials each). Then:

1. start: seconds from spawning ``python -m visionyard serve`` to the first 200 from ``/ping``,
   median over several restarts (target < 2 s), and no torch loaded in the server process;
2. routes: p50/p95 of run listing, one run's metrics and one run, each server-side filter alone (status
   with an offset, model, dataset, tag, sweep, text search, a metric bound, a config bound), two
   combined (tag with a metric bound, model and dataset with a config bound) and the compare route
   over 5 runs (the filters that read every candidate row's text or JSON: target p95 < 50 ms),
   taking turns in blocks with ``/ping`` on one keep-alive client; ``/ping`` is the same-run
   baseline (framework + HTTP) and each route is printed as a ratio to its p50 (target p95 < 25 ms);
3. live: a metrics row + ``epoch`` event written from this process as a worker does
   (``DatabaseReporter.epoch_end``) until it arrives on an open SSE stream of a paused run,
   p50/p95 over ~30 writes (target p95 < 300 ms);
4. fan-out: 100 SSE clients held open on a group of paused runs; the time until all are
   connected, ``/ping`` latency while they are held (target p95 < 25 ms), then one event per run
   and its delivery to every client (all must arrive; p95 < 300 ms); once they have left, a new
   stream must still get events.

The plugin catalog is cached before the first start (as it is after any first start), so its
scan does not compete with the server for the CPUs. Other processes on the machine do: the load
average is printed with the figures.

    .venv/bin/python benchmarks/api.py [--runs 10000 --epochs 100 --clients 100 --repeats 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx
from api_seed import Seeded, metric_values, seed
from sqlalchemy import func, select

from visionyard.config import Settings
from visionyard.core.context import Context
from visionyard.db.models import Event, Run
from visionyard.plugins.catalog import catalog_for
from visionyard.worker.db_reporter import DatabaseReporter

STREAM_TIMEOUT = httpx.Timeout(30.0, read=None)
NAN = float("nan")
START_TARGET_S, ROUTE_P95_MS, SSE_P95_MS = 2.0, 25.0, 300.0
SCAN_P95_MS = 50.0
"""For the filters that read every candidate row (a config bound over a model's runs, a text search)."""
SCANS = (
    "runs?where=metric (best val_acc)",
    "runs?where=param (config lr)",
    "runs?model&dataset&where=param",
    "runs?q= (text in id, name or note)",
)


@dataclass
class Check:
    name: str
    value: str
    target: str
    ok: bool


# --- the server ----------------------------------------------------------------------------------


class Server:
    """``python -m visionyard serve`` on a free loopback port, its output in HOME/server.log."""

    def __init__(self, home: Path):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.home, self.url = home, f"http://127.0.0.1:{self.port}"
        clean = {k: v for k, v in os.environ.items() if not k.startswith("VISIONYARD_")}
        safety = {"VISIONYARD_HEARTBEAT_TIMEOUT": "100000", "VISIONYARD_MAX_CONCURRENT_RUNS": "1"}
        self.env = {**clean, "VISIONYARD_HOME": str(home), **safety}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, wait: float = 30.0) -> float:
        """Seconds from spawning the process to its first 200 on /ping."""
        with (self.home / "server.log").open("ab") as log:
            began = time.perf_counter()
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "visionyard", "serve", "--port", str(self.port)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        with httpx.Client(base_url=self.url, timeout=5) as client:
            while time.perf_counter() - began < wait:
                try:
                    if client.get("/ping").status_code == 200:
                        return time.perf_counter() - began
                except httpx.TransportError:
                    time.sleep(0.01)
                if self.proc.poll() is not None:
                    break
        raise RuntimeError(f"server did not answer /ping within {wait} s; see {self.home / 'server.log'}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def torch_loaded(self) -> bool | None:
        """Whether libtorch is mapped into the server process (None where /proc is missing)."""
        maps = Path(f"/proc/{self.proc.pid}/maps") if self.proc else None
        return None if maps is None or not maps.exists() else "torch" in maps.read_text()


def tracebacks(log: Path) -> dict[str, list[str]]:
    """The server log's tracebacks by exception line, each as its visionyard frames (innermost first)."""
    text = log.read_text(errors="replace") if log.is_file() else ""
    found: dict[str, list[str]] = {}
    for block in re.split(r"Traceback \(most recent call last\):\n", text)[1:]:
        lines = [re.sub(r"^ *[|+]-*[+-]*-* ?", "", line) for line in block.splitlines()]
        end = next((i for i, line in enumerate(lines) if re.match(r"[A-Za-z_][\w.]*(: |$)", line)), len(lines))
        ours = [
            f"{line.strip()}: {lines[i + 1].strip()}" for i, line in enumerate(lines[:end]) if "/visionyard/" in line
        ]
        found.setdefault(lines[end] if end < len(lines) else "?", []).append(
            " <- ".join(reversed(ours)) or "(no visionyard frame)"
        )
    return found


# --- figures -------------------------------------------------------------------------------------


def ms(values: list[float], quantile: float) -> float:
    """A quantile of durations in seconds, as milliseconds (inclusive method)."""
    if len(values) == 1:
        return values[0] * 1000
    return statistics.quantiles(values, n=100, method="inclusive")[round(quantile * 100) - 1] * 1000


def measure_routes(url: str, routes: dict[str, str], requests: int, block: int = 25) -> dict[str, list[float]]:
    """Seconds per GET on one keep-alive client: the routes take turns in blocks of ``block`` requests
    (so drift hits all alike), each block after one unmeasured request (so no route pays for another)."""
    samples: dict[str, list[float]] = {name: [] for name in routes}
    with httpx.Client(base_url=url, timeout=60) as client:
        while len(samples[next(iter(routes))]) < requests:
            for name, path in routes.items():
                client.get(path).raise_for_status()
                for _ in range(min(block, requests - len(samples[name]))):
                    began = time.perf_counter()
                    response = client.get(path)
                    samples[name].append(time.perf_counter() - began)
                    response.raise_for_status()
    return samples


# --- live events ---------------------------------------------------------------------------------


class EpochWriter:
    """Writes a metrics row + ``epoch`` event per call, as a worker's DatabaseReporter does."""

    def __init__(self, ctx: Context, run_ids: list[str], first_epoch: int):
        with ctx.db.session() as session:
            self.reporters = {run_id: DatabaseReporter(ctx, session.get_one(Run, run_id)) for run_id in run_ids}
        self.next_epoch = dict.fromkeys(run_ids, first_epoch)
        self.rng = random.Random(1)

    def write(self, run_id: str) -> tuple[int, float]:
        """The epoch written and when the write began (perf_counter)."""
        epoch = self.next_epoch[run_id]
        self.next_epoch[run_id] += 1
        began = time.perf_counter()
        self.reporters[run_id].epoch_end(metric_values(epoch, self.rng))
        return epoch, began


@dataclass
class Listener:
    """One SSE stream of a run; every ``epoch`` event lands in ``arrivals`` with its arrival time."""

    client: httpx.AsyncClient
    run_id: str
    after: int
    settled: asyncio.Event = field(default_factory=asyncio.Event)
    """Set once the stream is open or has failed."""
    connected_at: float | None = None
    arrivals: asyncio.Queue[tuple[int, float]] = field(default_factory=asyncio.Queue)
    error: str | None = None

    async def listen(self) -> None:
        path = f"/api/v1/runs/{self.run_id}/metrics/stream"
        try:
            async with self.client.stream("GET", path, headers={"Last-Event-ID": str(self.after)}) as response:
                if response.status_code != 200:
                    self.error = f"HTTP {response.status_code}: {(await response.aread())[:300]!r}"
                    return
                self.connected_at = time.perf_counter()
                self.settled.set()
                await self._read(response)
        except httpx.HTTPError as exc:
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.settled.set()

    async def _read(self, response: httpx.Response) -> None:
        fields: dict[str, str] = {}
        async for line in response.aiter_lines():
            if line:
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")
                continue
            if fields.get("event") == "epoch":
                self.arrivals.put_nowait((json.loads(fields["data"])["epoch"], time.perf_counter()))
            fields = {}

    async def arrival(self, epoch: int, timeout: float) -> float | None:
        """When ``epoch`` arrived, or None if it did not within ``timeout`` seconds."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    got, at = await self.arrivals.get()
                    if got == epoch:
                        return at
        except TimeoutError:
            return None


def newest_event(ctx: Context) -> int:
    with ctx.db.session() as session:
        return session.scalar(select(func.max(Event.id))) or 0


async def connect(listeners: list[Listener], timeout: float) -> tuple[list[asyncio.Task[None]], float, int]:
    """Open every stream at once: the tasks, seconds until the last one opened, and how many did."""
    began = time.perf_counter()
    tasks = [asyncio.create_task(listener.listen()) for listener in listeners]
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*(listener.settled.wait() for listener in listeners)), timeout)
    opened = [listener.connected_at for listener in listeners if listener.connected_at is not None]
    return tasks, max(opened, default=began) - began, len(opened)


async def sse_latency(url: str, ctx: Context, run_id: str, writes: int, first_epoch: int) -> tuple[list[float], int]:
    """Write-to-arrival seconds on one stream, and how many writes never arrived (5 s each)."""
    writer = EpochWriter(ctx, [run_id], first_epoch)
    latencies, missed = [], 0
    async with httpx.AsyncClient(base_url=url, timeout=STREAM_TIMEOUT) as client:
        listener = Listener(client, run_id, newest_event(ctx))
        tasks, _, connected = await connect([listener], timeout=15)
        if not connected:
            print(f"(the stream did not open within 15 s: {listener.error or 'no answer'})", end=" ")
            await cancel(tasks)
            return [], writes
        for _ in range(writes):
            epoch, began = await asyncio.to_thread(writer.write, run_id)
            at = await listener.arrival(epoch, timeout=5)
            if at is None:
                missed += 1
            else:
                latencies.append(at - began)
            await asyncio.sleep(random.uniform(0.0, 0.1))
        await cancel(tasks)
    return latencies, missed


@dataclass
class FanOut:
    clients: int
    connected: int
    connect_s: float
    ping: list[float]
    delivery: list[float]
    errors: list[str]


async def fan_out(url: str, ctx: Context, run_ids: list[str], clients: int, first_epoch: int) -> FanOut:
    """``clients`` streams over ``run_ids``; /ping while held; then one event per run to all of them."""
    writer = EpochWriter(ctx, run_ids, first_epoch)
    limits = httpx.Limits(max_connections=clients + 10, max_keepalive_connections=clients + 10)
    async with httpx.AsyncClient(base_url=url, timeout=STREAM_TIMEOUT, limits=limits) as client:
        after = newest_event(ctx)
        listeners = [Listener(client, run_ids[i % len(run_ids)], after) for i in range(clients)]
        tasks, connect_s, connected = await connect(listeners, timeout=35)
        ping = (await asyncio.to_thread(measure_routes, url, {"ping": "/ping"}, 200))["ping"]
        written = {}
        for run_id in run_ids:
            written[run_id] = await asyncio.to_thread(writer.write, run_id)
        open_ = [listener for listener in listeners if listener.connected_at is not None]
        arrivals = await asyncio.gather(*(lis.arrival(written[lis.run_id][0], timeout=10) for lis in open_))
        delivery = [at - written[lis.run_id][1] for lis, at in zip(open_, arrivals, strict=True) if at is not None]
        await cancel(tasks)
    errors = sorted({listener.error for listener in listeners if listener.error})
    return FanOut(clients, connected, connect_s, ping, delivery, errors)


async def cancel(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


# --- the benchmark -------------------------------------------------------------------------------


def bench_start(server: Server, repeats: int) -> list[Check]:
    times = []
    for repeat in range(repeats):
        server.stop()
        times.append(server.start())
        print(f"start {repeat + 1}: first /ping after {times[-1]:.3f} s", flush=True)
    median = statistics.median(times)
    target = f"< {START_TARGET_S:g} s"
    started = Check(f"start to first /ping (median of {repeats})", f"{median:.2f} s", target, median < START_TARGET_S)
    return [started, torch_check(server, "after start")]


def torch_check(server: Server, when: str) -> Check:
    torch = server.torch_loaded()
    return Check(f"torch loaded in the server {when}", {None: "n/a", True: "yes", False: "no"}[torch], "no", not torch)


def bench_routes(server: Server, seeded: Seeded, requests: int) -> tuple[list[Check], float]:
    completed = seeded.completed[len(seeded.completed) // 2]
    sweep = seeded.sweeps[len(seeded.sweeps) // 2]
    runs = "/api/v1/runs?limit=50"
    routes = {
        "/ping (baseline)": "/ping",
        "runs?limit=50": runs,
        "runs/{id}/metrics": f"/api/v1/runs/{completed}/metrics",
        "runs/{id}": f"/api/v1/runs/{completed}",
        "runs?status=completed&offset=500": f"{runs}&status=completed&offset=500",
        "runs?model": f"{runs}&model=efficientnet_b0",
        "runs?dataset": f"{runs}&dataset=cifar",
        "runs?tag": f"{runs}&tag=group-7",
        "runs?sweep (20 trials)": f"{runs}&sweep={sweep}",
        SCANS[3]: f"{runs}&q=colour%20jitter",
        SCANS[0]: f"{runs}&where=metric:val_acc%3E0.85",
        SCANS[1]: f"{runs}&where=param:lr%3C0.003",
        "runs?tag&where=metric&offset=100": f"{runs}&tag=group-7&where=metric:val_acc%3E0.5&offset=100",
        SCANS[2]: f"{runs}&model=resnet18&dataset=flowers&where=param:lr%3C0.003",
        "runs/compare (5 runs)": "/api/v1/runs/compare?ids=" + ",".join(seeded.completed[:5]),
    }
    samples = measure_routes(server.url, routes, requests)
    base = ms(samples["/ping (baseline)"], 0.5)
    print(f"\n{'route':<36}{'p50 ms':>9}{'p95 ms':>9}{'p50 / ping p50':>16}   ({requests} requests each)")
    checks = []
    for name, values in samples.items():
        p50, p95 = ms(values, 0.5), ms(values, 0.95)
        print(f"{name:<36}{p50:>9.2f}{p95:>9.2f}{p50 / base:>16.2f}")
        if name != "/ping (baseline)":
            target = SCAN_P95_MS if name in SCANS else ROUTE_P95_MS
            checks.append(Check(f"GET {name} p95", f"{p95:.1f} ms", f"< {target:g} ms", p95 < target))
    return checks, base


def bench_sse(server: Server, ctx: Context, run_id: str, writes: int, first_epoch: int) -> Check:
    latencies, missed = asyncio.run(sse_latency(server.url, ctx, run_id, writes, first_epoch))
    p50, p95, top = (ms(latencies, 0.5), ms(latencies, 0.95), max(latencies) * 1000) if latencies else (NAN,) * 3
    print(f"metrics row -> SSE: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {top:.1f} ms, ", end="")
    print(f"{len(latencies)}/{writes} arrived", flush=True)
    value = f"{len(latencies)}/{writes} arrived" if missed else f"{p95:.1f} ms"
    return Check("metrics row -> SSE p95", value, f"< {SSE_P95_MS:g} ms", p95 < SSE_P95_MS and not missed)


def bench_fan_out(
    server: Server, ctx: Context, groups: list[str], args: argparse.Namespace, ping: float
) -> list[Check]:
    fan = asyncio.run(fan_out(server.url, ctx, groups, args.clients, args.epochs + 1))
    received = f"{len(fan.delivery)}/{fan.clients}"
    d50, d95, top = (
        (ms(fan.delivery, 0.5), ms(fan.delivery, 0.95), max(fan.delivery) * 1000) if fan.delivery else (NAN,) * 3
    )
    h50, h95 = ms(fan.ping, 0.5), ms(fan.ping, 0.95)
    print(f"{fan.clients} SSE clients on {len(groups)} runs: {fan.connected} connected in {fan.connect_s:.2f} s")
    print(f"  one event per run: delivery p50 {d50:.1f} / p95 {d95:.1f} / max {top:.1f} ms, {received} received")
    print(f"  /ping while held: p50 {h50:.2f} ms (x{h50 / ping:.2f} of idle /ping p50), p95 {h95:.2f} ms", flush=True)
    for error in fan.errors:
        print(f"  stream error: {error}")
    connected = f"{fan.connected} in {fan.connect_s:.2f} s"
    return [
        Check(f"{fan.clients} SSE clients connected", connected, "all", fan.connected == fan.clients),
        Check("fan-out events received", received, "all", len(fan.delivery) == fan.clients),
        Check("fan-out delivery p95", f"{d95:.1f} ms", f"< {SSE_P95_MS:g} ms", d95 < SSE_P95_MS),
        Check("/ping p95 with the streams held", f"{h95:.2f} ms", f"< {ROUTE_P95_MS:g} ms", h95 < ROUTE_P95_MS),
    ]


def bench_after(server: Server, ctx: Context, seeded: Seeded, first_epoch: int) -> list[Check]:
    """Once the fan-out clients have left: does the API still answer, and does a new stream get events?"""
    began = time.perf_counter()
    try:
        answer = str(httpx.get(f"{server.url}/api/v1/runs/{seeded.completed[0]}", timeout=10).status_code)
    except httpx.HTTPError as exc:
        answer = type(exc).__name__
    took = time.perf_counter() - began
    print(f"after the clients left: GET runs/{{id}} -> {answer} in {took * 1000:.0f} ms; a new stream:", end=" ")
    live = bench_sse(server, ctx, seeded.paused[0], 3, first_epoch)
    return [
        Check("GET runs/{id} after clients left", f"{answer} in {took:.2f} s", "200", answer == "200"),
        replace(live, name="metrics row -> SSE after clients left"),
    ]


def report(checks: list[Check], problems: dict[str, list[str]]) -> bool:
    print(f"\n{'figure':<44}{'value':>16}  {'target':<10}result")
    for check in checks:
        print(f"{check.name:<44}{check.value:>16}  {check.target:<10}{'PASS' if check.ok else 'FAIL'}")
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"\nserver log: {sum(map(len, problems.values()))} traceback(s)")
    for exception, stacks in problems.items():
        print(f"  {len(stacks)} x {exception}")
        for stack in sorted(set(stacks)):
            print(f"      at {stack}")
    return all(check.ok for check in checks) and not problems


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=100, help="metric rows (and epoch events) per run")
    parser.add_argument("--clients", type=int, default=100, help="SSE clients held open at once")
    parser.add_argument("--groups", type=int, default=10, help="paused runs the clients are spread over")
    parser.add_argument("--repeats", type=int, default=3, help="server starts timed")
    parser.add_argument("--requests", type=int, default=300, help="requests per route")
    parser.add_argument("--sse-writes", type=int, default=30)
    parser.add_argument("--keep-home", action="store_true", help="keep the temporary VISIONYARD_HOME")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    home = Path(tempfile.mkdtemp(prefix="vy-bench-api-"))
    ctx = Context(Settings(home=home))
    server = Server(home)
    checks: list[Check] = []
    try:
        seeded = seed(ctx, args.runs, args.epochs)
        print(
            f"seeded {args.runs} runs ({len(seeded.sweeps)} sweeps), {args.runs * args.epochs} metric rows and "
            f"{args.runs * (args.epochs + 3)} events in {seeded.seconds:.1f} s ({home})",
            flush=True,
        )
        print(f"load average (1 min): {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (timings share them)")
        began = time.perf_counter()
        catalog_for(ctx.settings)
        print(f"plugin catalog cached ahead (as after any first start) in {time.perf_counter() - began:.1f} s")
        checks += bench_start(server, args.repeats)
        route_checks, ping_p50 = bench_routes(server, seeded, args.requests)
        checks += route_checks
        print()
        checks.append(bench_sse(server, ctx, seeded.paused[0], args.sse_writes, args.epochs + 1))
        checks += bench_fan_out(server, ctx, seeded.paused[1 : 1 + args.groups], args, ping_p50)
        checks += bench_after(server, ctx, seeded, args.epochs + 1 + args.sse_writes)
        checks.append(torch_check(server, "after all requests"))
    finally:
        server.stop()
        ctx.db.dispose()
        problems = tracebacks(home / "server.log")
        if not args.keep_home:
            shutil.rmtree(home, ignore_errors=True)
        passed = report(checks, problems)
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
