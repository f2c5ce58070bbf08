"""Browser tests: Playwright's Python client drives Debian's Chromium against a real
``visionyard serve`` (API, scheduler and workers) that serves the built UI.

One server and one browser for the package; every test gets a fresh page that fails the test
on any console error or uncaught exception, and screenshots land in ``tests/artifacts/ui/``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, expect, sync_playwright

from tests.helpers import TINY, make_image_folder
from tests.server import Server, prepare_home
from visionyard.api import webui
from visionyard.plugins.catalog import PluginCatalog

ARTIFACTS = Path(os.environ.get("VISIONYARD_TEST_ARTIFACTS", Path(__file__).parents[1] / "artifacts")) / "ui"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CLASSES = ("a", "b", "c")
expect.set_options(timeout=20_000)


def make_noisy_dataset(root: Path) -> Path:
    """``tiny``'s colour classes, with a third of each validation class labelled as the next class:
    however well a model learns, those images are mistakes in its validation."""
    make_image_folder(root, classes=CLASSES, per_class=8, splits=("train",))
    rng = np.random.default_rng(1)
    for c, name in enumerate(CLASSES):
        folder = root / "val" / name
        folder.mkdir(parents=True)
        for i in range(6):
            colour = (c + 1) % 3 if i < 2 else c
            pixels = rng.integers(0, 60, (24, 24, 3), dtype=np.uint8)
            pixels[..., colour] += 150
            Image.fromarray(pixels).save(folder / f"{i}.png")
    return root


@pytest.fixture(scope="package")
def ui_server(tmp_path_factory: pytest.TempPathFactory, shared_home: Path, catalog: PluginCatalog) -> Iterator[Server]:
    if not (webui.BUILD / "index.html").is_file():
        pytest.fail("the web UI is not built: run `make ui` (make test does it)")
    home = prepare_home(tmp_path_factory.mktemp("ui-home"), shared_home)
    make_noisy_dataset(home / "data" / "noisy")
    live = Server(
        home,
        VISIONYARD_HEARTBEAT_INTERVAL="0.5",
        VISIONYARD_MAX_CONCURRENT_RUNS="2",
        VISIONYARD_SYSTEM_METRICS_INTERVAL="1",
    )
    try:
        yield live.start()
    finally:
        live.close()


@pytest.fixture(scope="package")
def trained_run(ui_server: Server) -> dict:
    """A completed small_cnn run on ``noisy`` with validation records, for the result pages."""
    body = {"model": "small_cnn", "dataset": "noisy", "name": "trained", "config": {**TINY, "epochs": 2}}
    run = ui_server.client.post("/api/v1/runs", json=body).json()
    return ui_server.wait_for(run["id"], ("completed",), timeout=300)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: `make browser` (make test does it)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class ConsoleWatch:
    """Console errors and page exceptions seen by a page. A test may expect error answers that the
    page handles (the browser logs every 4xx): ``expect(422, "/validate-config")``."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.expected: list[tuple[str, str]] = []

    def expect(self, status: int | str, url_part: str) -> None:
        """Console errors about ``url_part``: answers of ``status``, or a message containing it."""
        self.expected.append((f"status of {status}" if isinstance(status, int) else status, url_part))

    def on_console(self, message: ConsoleMessage) -> None:
        url = message.location.get("url", "")
        if message.type == "error" and not any(s in message.text and u in url for s, u in self.expected):
            self.errors.append(f"{message.text} ({url})")

    def on_exception(self, error: Exception) -> None:
        self.errors.append(f"uncaught: {error}")


@pytest.fixture
def console() -> ConsoleWatch:
    return ConsoleWatch()


@pytest.fixture
def page(browser: Browser, ui_server: Server, console: ConsoleWatch, request: pytest.FixtureRequest) -> Iterator[Page]:
    yield from open_page(browser, ui_server.url, console, request)


def open_page(browser: Browser, url: str, console: ConsoleWatch, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page in a fresh context (its own storage), watched for console errors."""
    context = browser.new_context(base_url=url, viewport={"width": 1400, "height": 900}, accept_downloads=True)
    context.set_default_timeout(20_000)
    opened = context.new_page()
    opened.on("console", console.on_console)
    opened.on("pageerror", console.on_exception)
    try:
        yield opened
        if request.node.stash.get(FAILED, False):
            shoot(opened, f"failed-{request.node.name}")
        assert not console.errors, "console errors:\n" + "\n".join(console.errors)
    finally:
        context.close()


def shoot(page: Page, name: str) -> Path:
    """A full-page screenshot kept as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


def chart_points(page: Page, chart: str) -> int:
    """Epochs drawn in a run chart (``loss``, ``metrics``, ``lr``): the dots of its first line."""
    dots = page.get_by_test_id(f"chart-{chart}").locator(".recharts-line-dots")
    return dots.first.locator(".recharts-line-dot").count() if dots.count() else 0


def axis_ticks(page: Page, chart: str) -> list[float]:
    """The values on a run chart's y axis."""
    figure = page.get_by_test_id(f"chart-{chart}")
    labels = figure.locator(".recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value")
    return [float(text) for text in labels.all_text_contents()]


def status_badge(page: Page) -> Locator:
    """The run header's status badge (not its warning badges)."""
    return page.locator(".run-title .badge:not(.warning)")


FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "call" and report.failed:
        item.stash[FAILED] = True
    return report


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder drives the browser (``-m "not browser"`` leaves them out)."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)
