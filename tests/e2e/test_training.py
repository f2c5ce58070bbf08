"""Starting runs from the form and controlling them while the charts follow the live events."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import axis_ticks, chart_points, shoot, status_badge
from tests.helpers import TINY, make_image_folder
from tests.server import Server

RUN_PAGE = re.compile(r"/runs/(\d{8}-\d{6}-[0-9a-f]{6})$")
STEP = re.compile(r"step (\d+)")


class Clicks:
    """Every user action of a workflow goes through here, so that the test can count them."""

    def __init__(self, page: Page) -> None:
        self.page, self.count = page, 0

    def click(self, target: Locator) -> None:
        target.click()
        self.count += 1

    def select(self, target: Locator, value: str) -> None:
        target.select_option(value)
        self.count += 1


def run_id_of(page: Page) -> str:
    expect(page).to_have_url(RUN_PAGE, timeout=30_000)
    return RUN_PAGE.search(page.url).group(1)


def test_the_default_training_workflow_takes_two_clicks_from_the_home_page(page: Page, ui_server: Server):
    clicks = Clicks(page)
    page.goto("/")
    clicks.click(page.get_by_role("navigation", name="Main").get_by_role("link", name="New run"))
    expect(page.get_by_role("heading", name="New training run")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="The settings are valid.")).to_be_visible()
    sizes = ui_server.client.get("/api/v1/models/small_cnn/metadata").json()["supported_image_sizes"]
    preselected = int(page.get_by_label("Image size", exact=True).input_value())
    assert preselected in sizes
    expect(page.get_by_label("Export to ONNX for serving when it completes")).not_to_be_checked()
    clicks.click(page.get_by_role("button", name="Start training"))

    run_id = run_id_of(page)
    run = ui_server.client.get(f"/api/v1/runs/{run_id}").json()
    first_dataset = ui_server.client.get("/api/v1/datasets").json()[0]["name"]
    assert (run["model"], run["dataset"], run["epochs"], run["serve_export"]) == ("small_cnn", first_dataset, 10, False)
    assert run["config"]["preprocessing"]["image_size"] == preselected
    expect(page.get_by_test_id("chart-loss")).to_have_attribute("data-points", re.compile(r"[1-9]"), timeout=120_000)
    assert chart_points(page, "loss") >= 1
    assert clicks.count == 2 < 5
    shoot(page, "run-overview-live")
    ui_server.client.post(f"/api/v1/runs/{run_id}/stop")


def test_a_run_started_from_the_form_with_a_preset_is_paused_and_resumed_live(page: Page, ui_server: Server):
    page.goto("/runs/new")
    page.get_by_label("Model", exact=True).select_option("small_cnn")
    page.get_by_label("Dataset", exact=True).select_option("tiny")
    page.get_by_label("Preset").select_option("quick")
    expect(page.get_by_text("Preset quick sets")).to_be_visible()
    page.get_by_label("Run name").fill("paused-and-resumed")
    page.get_by_label("Epochs", exact=True).fill("40")
    page.get_by_label("Export to ONNX for serving when it completes").check()
    shoot(page, "new-run-form")
    page.get_by_role("button", name="Start training").click()

    run_id = run_id_of(page)
    expect(page.get_by_role("heading", name="paused-and-resumed")).to_be_visible()
    assert ui_server.client.get(f"/api/v1/runs/{run_id}").json()["serve_export"] is True
    expect(page.locator(".run-facts .fact").filter(has=page.locator("dt", has_text="Serving"))).to_contain_text("ONNX")
    expect(page.get_by_test_id("chart-loss")).to_have_attribute("data-points", re.compile(r"[1-9]"), timeout=120_000)
    page.get_by_role("button", name="Pause").click()
    expect(status_badge(page)).to_have_text("paused", timeout=60_000)
    paused = ui_server.client.get(f"/api/v1/runs/{run_id}").json()
    assert paused["status"] == "paused" and paused["current_epoch"] < 40
    assert paused["finished_at"] is None
    facts = page.locator(".run-facts")
    expect(facts.locator(".fact").filter(has=page.locator("dt", has_text="Paused"))).to_contain_text(re.compile(r"\d"))
    expect(facts.locator("dt", has_text="Finished")).to_have_count(0)
    shoot(page, "run-overview-paused")
    expect(page.get_by_role("button", name="Resume")).to_be_enabled()
    points_at_pause = chart_points(page, "loss")
    assert points_at_pause == paused["current_epoch"]

    page.get_by_role("button", name="Resume").click()
    step = facts.locator(".current-step")  # the global step, not the running epoch's (its progress detail)
    deadline = time.monotonic() + 180
    # the step shown never drops back while the run resumes
    while status_badge(page).text_content() != "completed" and time.monotonic() < deadline:
        assert int(STEP.search(step.text_content() or "").group(1)) >= paused["current_step"]
        page.wait_for_timeout(100)
    expect(status_badge(page)).to_have_text("completed", timeout=180_000)
    expect(facts.locator(".fact").filter(has=page.locator("dt", has_text="Resumed"))).to_have_text(
        re.compile(r"Resumed\s*1\u00d7 · crash restarts 0 of \d")
    )
    expect(page.get_by_test_id("chart-loss")).to_have_attribute("data-points", "40")
    assert chart_points(page, "loss") == chart_points(page, "lr") == 40 > points_at_pause
    assert min(axis_ticks(page, "lr")) == 0 < max(axis_ticks(page, "lr"))  # cosine to nearly 0, never below
    expect(page.get_by_test_id("stream-state")).to_have_attribute("data-state", "ended")
    shoot(page, "run-overview-completed")
    run = ui_server.client.get(f"/api/v1/runs/{run_id}").json()
    assert (run["status"], run["preset"], run["attempt"]) == ("completed", "quick", 2)
    assert run["config"]["preprocessing"]["image_size"] == 64


def test_settings_are_checked_inline_before_anything_is_submitted(page: Page, ui_server: Server, console):
    console.expect(422, "/validate-config")
    before = ui_server.client.get("/api/v1/runs").json()["total"]
    page.goto("/runs/new")
    page.get_by_label("Model", exact=True).select_option("small_cnn")
    epochs = page.get_by_label("Epochs", exact=True)
    epochs.fill("0")
    expect(epochs).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("status").filter(has_text="1 setting needs fixing.")).to_be_visible()
    page.get_by_role("button", name="Start training").click()
    expect(epochs).to_be_focused()

    # a rule across fields, which only the server's validate-config knows
    epochs.fill("2")
    page.get_by_label("Show advanced settings").check()
    warmup = page.get_by_label("Warmup epochs")
    warmup.fill("5")
    expect(page.get_by_text("warmup_epochs must be smaller than epochs")).to_be_visible()
    page.get_by_role("button", name="Start training").click()
    expect(page.get_by_role("status").filter(has_text="needs fixing")).to_be_visible()
    warmup.fill("1")
    expect(page.get_by_role("status").filter(has_text="The settings are valid.")).to_be_visible()

    # a size the model was not made for is valid, with a warning at the field
    size = page.get_by_label("Image size", exact=True)
    size.fill("224")
    warning = page.locator(".newrun-field.warned .field-warning")
    expect(warning).to_contain_text("224")
    expect(warning).to_contain_text("28, 32, 64")
    expect(size).to_have_attribute("aria-describedby", re.compile(r"-warning\b"))
    expect(page.get_by_role("status").filter(has_text="The settings are valid, with 1 warning.")).to_be_visible()
    page.get_by_label("Learning rate", exact=True).fill("0.01")
    shoot(page, "new-run-size-warning")

    # every value touched comes back on the next visit
    page.reload()
    expect(page.get_by_label("Model", exact=True)).to_have_value("small_cnn")
    expect(page.get_by_label("Epochs", exact=True)).to_have_value("2")
    expect(page.get_by_label("Warmup epochs")).to_have_value("1")
    expect(size).to_have_value("224")
    expect(page.get_by_label("Learning rate", exact=True)).to_have_value("0.01")
    expect(warning).to_contain_text("224")
    assert page.url.endswith("/runs/new")
    assert ui_server.client.get("/api/v1/runs").json()["total"] == before


def test_a_run_whose_loss_rises_is_flagged_on_its_page_and_in_the_runs_list(page: Page, ui_server: Server):
    diverging = {**TINY, "epochs": 4, "lr": 10, "optimizer.type": "sgd", "scheduler.type": "none"}
    body = {"model": "small_cnn", "dataset": "tiny", "name": "diverging", "config": diverging}
    run_id = ui_server.client.post("/api/v1/runs", json=body).json()["id"]
    page.goto(f"/runs/{run_id}")
    badge = page.locator(".run-title .badge.warning")
    expect(badge).to_have_text("⚠ loss rising", timeout=120_000)  # from the live warning event or the run
    expect(page.get_by_role("status", name="Training warnings")).to_contain_text("rose in 3 epochs in a row")
    done = ui_server.wait_for(run_id, ("completed",))
    assert [w["kind"] for w in done["warnings"]] == ["loss_rising"]
    shoot(page, "run-overview-warning")

    page.goto("/")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="diverging"))
    expect(row.locator(".badge.warning")).to_have_attribute("title", done["warnings"][0]["message"])


def test_a_training_run_shows_its_steps_time_left_and_system_use_live(page: Page, ui_server: Server):
    make_image_folder(ui_server.home / "data" / "steps", per_class=80)
    body = {"model": "small_cnn", "dataset": "steps", "config": {**TINY, "epochs": 4, "batch_size": 2}}
    run_id = ui_server.client.post("/api/v1/runs", json=body).json()["id"]
    page.goto(f"/runs/{run_id}")
    bar = page.locator(".run-header").get_by_role("progressbar", name="Epochs done")
    expect(bar).to_have_attribute("aria-valuetext", re.compile(r"step \d+/120 .* left"), timeout=120_000)
    expect(page.locator(".run-header .progress-detail")).to_contain_text(re.compile(r"img/s · .* left"))
    expect(page.get_by_test_id("system-cpu")).to_have_attribute("data-points", re.compile(r"[1-9]"), timeout=60_000)
    expect(page.get_by_test_id("system-memory")).to_be_visible()
    shoot(page, "run-overview-progress")
    page.goto("/runs")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=run_id))
    expect(row.locator(".progress-detail")).to_contain_text(re.compile(r"step \d+/120"), timeout=60_000)
    ui_server.wait_for(run_id, ("completed",))
    page.goto(f"/runs/{run_id}")
    expect(page.locator(".run-header .progress-detail")).to_have_count(0)
