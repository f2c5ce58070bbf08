"""Every page in the browser: uploads with progress, token auth, errors in words, labelled controls."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ConsoleWatch, open_page, shoot
from tests.server import Server, prepare_home
from visionyard.data.demo_dense import write_shapes_detection

UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea, button')]
  .filter((el) => el.offsetParent !== null && el.type !== 'hidden')
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                  && !el.getAttribute('aria-labelledby') && !(el.tagName === 'BUTTON' && el.textContent.trim()))
  .map((el) => el.outerHTML.slice(0, 120))"""


def zipped_detection_set(folder: Path) -> Path:
    write_shapes_detection(folder / "shapes", counts={"train": 12, "val": 4}, size=96)
    archive = folder / "uploaded-shapes.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted((folder / "shapes").rglob("*")):
            zipped.write(path, path.relative_to(folder / "shapes").as_posix())
    return archive


def test_a_zip_upload_shows_its_progress_and_the_samples_have_their_boxes_drawn(
    page: Page, ui_server: Server, tmp_path: Path
):
    archive = zipped_detection_set(tmp_path)
    page.goto("/datasets")
    page.get_by_label("Upload dataset (.zip)").set_input_files(archive)
    expect(page.get_by_label("Dataset name")).to_have_value("uploaded-shapes")

    cdp = page.context.new_cdp_session(page)
    slow = archive.stat().st_size / 3  # bytes per second: about three seconds of upload
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": slow},
    )
    page.get_by_role("button", name="Start upload").click()
    progress = page.get_by_role("progressbar", name="Upload progress")
    expect(progress).to_have_attribute("aria-valuenow", re.compile(r"^([1-9]|[1-9]\d)$"))
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    notice = page.get_by_role("status").filter(has_text="Uploaded")
    expect(notice).to_contain_text("16 samples in train, val")
    expect(page.get_by_role("row").filter(has_text="uploaded-shapes")).to_be_visible()

    notice.get_by_role("link", name="uploaded-shapes").click()
    expect(page.get_by_role("heading", name="Dataset uploaded-shapes")).to_be_visible()
    samples = ui_server.client.get("/api/v1/datasets/uploaded-shapes/samples", params={"per_class": 4}).json()
    tiles = page.locator(".sample-grid figure")
    expect(tiles).to_have_count(len(samples))
    first = tiles.first
    expect(first.locator("g.frame-box")).to_have_count(len(samples[0]["boxes"]))
    names = sorted(box["class_name"] for box in samples[0]["boxes"])
    labels = sorted(
        first.get_by_role("img", name=re.compile(r" box$")).evaluate_all(
            "boxes => boxes.map((b) => b.getAttribute('aria-label').replace(/ box$/, ''))"
        )
    )
    assert labels == names and names
    shoot(page, "dataset-detail-boxes")
    page.get_by_label("Draw boxes").uncheck()
    expect(page.locator(".sample-grid g.frame-box")).to_have_count(0)


@pytest.fixture(scope="module")
def guarded_server(tmp_path_factory: pytest.TempPathFactory, shared_home: Path) -> Iterator[Server]:
    home = prepare_home(tmp_path_factory.mktemp("guarded-home"), shared_home)
    live = Server(home, VISIONYARD_API_TOKEN="s3cret-token")
    try:
        yield live.start()
    finally:
        live.close()


@pytest.fixture
def guarded_page(browser: Browser, guarded_server: Server, console: ConsoleWatch, request) -> Iterator[Page]:
    yield from open_page(browser, guarded_server.url, console, request)


def test_the_token_is_asked_for_once_and_kept_for_the_tab(guarded_page: Page, console: ConsoleWatch):
    console.expect(401, "/api/v1/")
    page = guarded_page
    page.goto("/")
    dialog = page.get_by_role("dialog", name="This server needs a token")
    expect(dialog).to_be_visible()
    shoot(page, "token-prompt")
    dialog.get_by_label("API token").fill("wrong")
    dialog.get_by_label("API token").press("Enter")
    expect(dialog).to_be_visible()

    dialog.get_by_label("API token").fill("s3cret-token")
    dialog.get_by_role("button", name="Continue").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("heading", name="No training runs yet")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Models").click()
    expect(page.get_by_role("heading", name="Models", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="small_cnn", exact=True)).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="small_cnn", exact=True)).to_be_visible()
    expect(dialog).to_have_count(0)


def test_errors_are_shown_in_words(page: Page, console: ConsoleWatch):
    console.expect(404, "/api/v1/runs/20990101-000000-abcdef")
    page.goto("/runs/20990101-000000-abcdef")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("No such run")
    expect(alert).to_contain_text("20990101-000000-abcdef")

    console.expect("ERR_FAILED", "/api/v1/models")
    page.route("**/api/v1/models", lambda route: route.abort())
    page.goto("/models")
    expect(page.get_by_role("alert")).to_contain_text("cannot be reached")

    page.goto("/registry/no/such/page")
    expect(page.get_by_role("heading", name=re.compile("not found|no such page", re.I))).to_be_visible()


def test_every_page_renders_with_labelled_controls(page: Page, ui_server: Server, trained_run: dict):
    name = "tour-model"
    if ui_server.client.get(f"/api/v1/registry/models/{name}").status_code == 404:
        body = {"run_id": trained_run["id"], "checkpoint": "best", "alias": "production"}
        assert ui_server.client.post(f"/api/v1/registry/models/{name}/versions", json=body).status_code == 201
    run = f"/runs/{trained_run['id']}"
    pages = {
        "runs": ("/", "Runs"),
        "new-run": ("/runs/new", "New training run"),
        "run-overview": (run, "trained"),
        "run-validation": (f"{run}/validation", "Validation"),
        "run-tests": (f"{run}/tests", "Tests"),
        "run-exports": (f"{run}/exports", "Exports"),
        "run-publish": (f"{run}/publish", "Publish to the registry"),
        "models": ("/models", "Models"),
        "datasets": ("/datasets", "Datasets"),
        "dataset-detail": ("/datasets/noisy", "Dataset noisy"),
        "registry": ("/registry", "Model registry"),
        "registry-model": (f"/registry/{name}", name),
        "predict": ("/predict", "Predict"),
    }
    for shot, (path, heading) in pages.items():
        page.goto(path)
        expect(page.get_by_role("heading", name=heading, exact=True).first).to_be_visible()
        expect(page.get_by_role("status").filter(has_text=re.compile("^Loading"))).to_have_count(0)
        assert page.locator(".notice.error").count() == 0, path
        assert page.evaluate(UNLABELLED) == [], path
        shoot(page, shot)
