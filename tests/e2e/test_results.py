"""A trained run's results in the browser: validation, tests, predictions, exports, the registry."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import onnxruntime
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.conftest import shoot
from tests.server import Server


def test_the_validation_grid_filters_to_the_mistakes_and_shows_one_beside_its_truth(
    page: Page, ui_server: Server, trained_run: dict
):
    base = f"/api/v1/runs/{trained_run['id']}/validation/best"
    mistakes = ui_server.client.get(f"{base}/images", params={"correct": "false", "limit": 100}).json()
    assert mistakes["total"] >= 6  # the relabelled third of the validation images, at least

    page.goto(f"/runs/{trained_run['id']}/validation")
    matrix = page.get_by_role("table", name=re.compile("Confusion matrix"))
    expect(matrix).to_be_visible()
    expect(matrix.get_by_role("rowheader")).to_have_text(["a", "b", "c"])
    expect(page.get_by_role("list", name="Evaluated images").get_by_role("listitem")).to_have_count(18)

    page.get_by_label("Correctness").select_option("false")
    tiles = page.get_by_role("list", name="Evaluated images").get_by_role("listitem")
    expect(tiles).to_have_count(mistakes["total"])
    expect(page.get_by_text(f"1\N{EN DASH}{mistakes['total']} of {mistakes['total']} images")).to_be_visible()
    expect(tiles.locator(".verdict.ok")).to_have_count(0)
    page.get_by_label("Sort by").select_option("loss:desc")
    by_loss = sorted(mistakes["items"], key=lambda r: -r["loss"])
    expect(tiles.first.locator("button")).to_have_attribute("data-index", str(by_loss[0]["index"]))
    shoot(page, "run-validation-mistakes")

    tiles.first.locator("button").focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("mistake", exact=True)).to_be_visible()
    expect(dialog.get_by_role("heading", name="Ground truth")).to_be_visible()
    expect(dialog.get_by_role("heading", name="Prediction")).to_be_visible()
    first = by_loss[0]
    truth, predicted = first["truth_name"], first["class_name"]
    assert truth != predicted
    expect(dialog.locator(".truth-prediction")).to_contain_text(truth)
    expect(dialog.locator(".truth-prediction")).to_contain_text(predicted)
    render = dialog.get_by_role("img", name=re.compile("ground truth beside the prediction"))
    expect(render).to_have_js_property("complete", True)
    assert render.evaluate("img => img.naturalWidth") > 0
    shoot(page, "run-validation-detail")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(tiles.first.locator("button")).to_be_focused()


def test_two_test_runs_are_started_and_compared(page: Page, ui_server: Server, trained_run: dict):
    page.goto(f"/runs/{trained_run['id']}/tests")
    form = page.get_by_role("form", name="Start a test run")
    for split in ("val", "train"):
        form.get_by_label("Split").select_option(split)
        form.get_by_role("button", name="Start test").click()
        expect(form.get_by_role("status")).to_contain_text("queued")
    rows = page.locator(".tests-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.locator(".badge.status-completed")).to_have_count(2, timeout=120_000)
    for box in page.get_by_role("checkbox", name=re.compile("Select test")).all():
        box.check()
    page.get_by_role("button", name="Compare selected").click()
    comparison = page.get_by_role("region", name="Comparison")
    expect(comparison).to_contain_text("test_acc")

    tests = ui_server.client.get(f"/api/v1/runs/{trained_run['id']}/tests").json()
    accuracy = {t["split"]: t["metrics"]["test_acc"] for t in tests}
    for value in accuracy.values():
        expect(comparison).to_contain_text(f"{value:.4f}".rstrip("0").rstrip(".")[:4])
    shoot(page, "run-tests-compared")


def test_an_image_dropped_on_the_playground_is_classified_as_the_api_does(
    page: Page, ui_server: Server, trained_run: dict, tmp_path: Path
):
    image = tmp_path / "green.png"
    pixels = np.full((24, 24, 3), 30, dtype=np.uint8)
    pixels[..., 1] = 200
    Image.fromarray(pixels).save(image)
    with image.open("rb") as sent:
        answer = ui_server.client.post(
            f"/api/v1/runs/{trained_run['id']}/predict", files={"files": ("green.png", sent, "image/png")}
        ).json()
    expected = answer["predictions"][0]["class_name"]

    page.goto("/predict")
    page.get_by_label("Run", exact=True).select_option(trained_run["id"])
    page.get_by_label("Image", exact=True).set_input_files(image)
    result = page.get_by_test_id("prediction")
    expect(result.locator(".top-label strong")).to_have_text(expected, timeout=60_000)
    expect(result.get_by_role("list", name="Classes by score").get_by_role("listitem")).to_have_count(3)
    expect(result.get_by_role("img", name="green.png")).to_be_visible()
    shoot(page, "predict-classification")


def test_an_onnx_export_is_checked_benchmarked_and_downloaded(
    page: Page, ui_server: Server, trained_run: dict, tmp_path: Path
):
    page.goto(f"/runs/{trained_run['id']}/exports")
    form = page.get_by_role("form", name="New export")
    form.get_by_label("Format").select_option("onnx")
    form.get_by_role("button", name="Export", exact=True).click()
    row = page.locator(".exports-table tbody tr").filter(has_text="onnx").first
    expect(row.locator(".badge")).to_have_text("completed", timeout=180_000)
    expect(row).to_contain_text("agreement 1")
    benchmark = page.get_by_role("region", name="Benchmark").get_by_role("table")
    expect(benchmark.get_by_role("row").filter(has_text="pytorch")).to_have_count(1)
    expect(benchmark.get_by_role("row").filter(has_text="onnx")).to_have_count(1)
    shoot(page, "run-exports")

    with page.expect_download() as fetched:
        row.get_by_role("button", name="Download onnx").click()
    download = fetched.value
    assert download.suggested_filename.endswith(".onnx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    session = onnxruntime.InferenceSession(saved, providers=["CPUExecutionProvider"])
    shape = [1, 3, 32, 32]
    (logits,) = session.run(None, {session.get_inputs()[0].name: np.zeros(shape, dtype=np.float32)})
    assert logits.shape == (1, 3)


def test_a_run_is_published_and_an_alias_is_set_with_its_history(page: Page, ui_server: Server, trained_run: dict):
    page.goto(f"/runs/{trained_run['id']}/publish")
    page.get_by_label("Model name").fill("ui-noisy")
    page.get_by_label("Alias").fill("staging")
    page.get_by_role("button", name="Publish").click()
    notice = page.get_by_role("status").filter(has_text="Published")
    expect(notice).to_contain_text("ui-noisy version 1")
    notice.get_by_role("link", name="Open ui-noisy in the registry").click()

    expect(page.get_by_role("heading", name="ui-noisy", exact=True)).to_be_visible()
    page.get_by_label("Alias", exact=True).fill("production")
    page.get_by_label("Reason").fill("beats the baseline")
    page.get_by_role("button", name="Set alias").click()
    expect(page.get_by_role("status").filter(has_text="production now points at v1")).to_be_visible()
    history = page.get_by_role("region", name="Alias history")
    expect(history).to_contain_text("beats the baseline")
    shoot(page, "registry-model")

    model = ui_server.client.get("/api/v1/registry/models/ui-noisy").json()
    assert model["aliases"] == {"staging": 1, "production": 1}
    trail = ui_server.client.get("/api/v1/registry/models/ui-noisy/aliases").json()
    assert {(c["alias"], c["to_version"], c["reason"]) for c in trail} >= {("production", 1, "beats the baseline")}
