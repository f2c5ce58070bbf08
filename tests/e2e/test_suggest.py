"""The new-run form's Suggest buttons beside the learning rate and the batch size: the server's finders (a short
job on a real worker) fill the fields, the learning-rate finder's loss curve is drawn, and the run started next has
the suggested values."""

from __future__ import annotations

import itertools
import math
import re
import time

from playwright.sync_api import Page, Response, expect

from tests.e2e.conftest import shoot
from tests.e2e.test_training import run_id_of
from tests.helpers import TINY
from tests.server import Server

FINISHED = ("completed", "failed")


def asked(response: Response) -> bool:
    return response.request.method == "POST" and response.url.endswith("/api/v1/suggestions")


def finished(server: Server, suggestion_id: str, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    found: dict = {}
    while time.monotonic() < deadline:
        found = server.client.get(f"/api/v1/suggestions/{suggestion_id}").json()
        if found["status"] in FINISHED:
            return found
        time.sleep(0.3)
    raise TimeoutError(f"suggestion {suggestion_id} not done: {found}")


def short_rate(lr: float) -> str:
    """The rate as the form words it: 3.2e-3."""
    mantissa, exponent = f"{lr:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def test_suggested_learning_rate_and_batch_size_fill_the_form_and_the_run(page: Page, ui_server: Server):
    page.goto("/runs/new")
    page.get_by_label("Model", exact=True).select_option("small_cnn")
    page.get_by_label("Dataset", exact=True).select_option("tiny")
    # the fixtures' fast config: small images, small batches, no loader processes
    page.get_by_label("Epochs", exact=True).fill(str(TINY["epochs"]))
    page.get_by_label("Image size", exact=True).fill(str(TINY["preprocessing.image_size"]))
    page.get_by_label("Batch size", exact=True).fill(str(TINY["batch_size"]))
    page.get_by_label("Show advanced settings").check()
    page.locator("summary", has_text="Data loading").click()
    page.get_by_label("Loader workers").fill(str(TINY["data.num_workers"]))
    expect(page.get_by_role("status").filter(has_text="The settings are valid.")).to_be_visible()

    lr_field = page.get_by_label("Learning rate", exact=True)
    lr_button = page.get_by_role("button", name="Suggest a learning rate")
    batch_field = page.get_by_label("Batch size", exact=True)
    batch_button = page.get_by_role("button", name="Suggest a batch size")
    expect(lr_button).to_have_text("Suggest")
    expect(lr_button).to_be_enabled()
    expect(batch_button).to_be_enabled()

    # the learning-rate finder: working (status, seconds), then the field filled and the curve drawn
    with page.expect_response(asked) as answer:
        lr_button.click()
    queued = answer.value.json()
    assert answer.value.status == 202 and (queued["what"], queued["status"]) == ("lr", "queued")
    assert (queued["model"], queued["dataset"]) == ("small_cnn", "tiny")
    note = page.get_by_test_id("suggestion-lr")
    expect(lr_button).to_be_disabled()
    expect(lr_button).to_have_text("Suggesting…")
    expect(note.get_by_role("status")).to_have_text(
        re.compile(r"^The learning-rate finder: (asking|queued|running) · \d+ s$")
    )
    suggestion = finished(ui_server, queued["id"])
    assert suggestion["status"] == "completed", suggestion
    lr = suggestion["lr"]
    expect(note).to_contain_text(f"suggested {short_rate(lr)} by the learning-rate finder", timeout=30_000)
    expect(note.get_by_role("status")).to_have_count(0)
    assert float(lr_field.input_value()) == lr
    expect(lr_button).to_be_enabled()

    chart = page.get_by_test_id("lr-curve")
    expect(chart.get_by_role("heading", name="Loss by learning rate")).to_be_visible()
    expect(chart).to_have_attribute("data-points", str(len(suggestion["curve"])))
    assert len(suggestion["curve"]) >= 5
    expect(chart.locator(".recharts-line-curve")).to_have_count(1)
    assert (chart.locator(".recharts-line-curve").get_attribute("d") or "").count("L") >= 4  # a line, drawn
    expect(chart.locator(".recharts-reference-dot")).to_have_count(1)  # the suggested point, marked
    expect(chart).to_contain_text(f"suggested {short_rate(lr)}")
    # a log axis: a tick per decade, the rates tried within them
    labels = chart.locator(".recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value")
    ticks = [float(text) for text in labels.all_text_contents()]
    assert len(ticks) >= 3 and all(math.isclose(b / a, 10) for a, b in itertools.pairwise(ticks))
    rates = [p["lr"] for p in suggestion["curve"]]
    assert ticks[0] <= min(rates) and max(rates) <= ticks[-1] and ticks[0] <= lr <= ticks[-1]
    shoot(page, "new-run-suggested-lr")

    # the batch-size finder: a whole number, at least the config's
    with page.expect_response(asked) as answer:
        batch_button.click()
    expect(batch_button).to_be_disabled()
    suggestion = finished(ui_server, answer.value.json()["id"])
    assert suggestion["status"] == "completed", suggestion
    batch_size = suggestion["batch_size"]
    assert isinstance(batch_size, int) and batch_size >= TINY["batch_size"]
    expect(page.get_by_test_id("suggestion-batch_size")).to_contain_text(
        f"suggested {batch_size} by the batch-size finder", timeout=30_000
    )
    expect(batch_field).to_have_value(str(batch_size))
    assert float(lr_field.input_value()) == lr  # the other suggestion stays
    expect(page.get_by_role("status").filter(has_text="The settings are valid.")).to_be_visible()
    shoot(page, "new-run-suggested")

    # the run started next trains with both
    page.get_by_role("button", name="Start training").click()
    run_id = run_id_of(page)
    try:
        run = ui_server.client.get(f"/api/v1/runs/{run_id}").json()
        assert (run["model"], run["dataset"]) == ("small_cnn", "tiny")
        assert run["config"]["lr"] == lr and run["config"]["batch_size"] == batch_size
        assert run["config"]["preprocessing"]["image_size"] == TINY["preprocessing.image_size"]
        assert run["config"]["data"]["num_workers"] == TINY["data.num_workers"]
    finally:
        ui_server.client.post(f"/api/v1/runs/{run_id}/stop")


def test_a_suggestion_refused_or_failed_says_why_and_leaves_the_field(page: Page, ui_server: Server, console):
    console.expect(422, "/validate-config")
    console.expect(422, "/api/v1/suggestions")
    page.goto("/runs/new")
    page.get_by_label("Model", exact=True).select_option("small_cnn")
    page.get_by_label("Dataset", exact=True).select_option("tiny")
    lr_field = page.get_by_label("Learning rate", exact=True)
    lr_button = page.get_by_role("button", name="Suggest a learning rate")

    # text that is no number: the form says so at the field and asks nothing
    lr_field.fill("abc")
    lr_button.click()
    expect(lr_field).to_be_focused()
    expect(lr_field).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("suggestion-lr")).to_have_count(0)

    # the server's 422 is shown at its field (config.lr), once, like the form's own check
    lr_field.fill("-1")
    error = page.locator("#cfg-lr-error")
    expect(error).to_contain_text("greater than")
    with page.expect_response(asked) as answer:
        lr_button.click()
    assert answer.value.status == 422
    assert answer.value.json()["error"]["fields"][0]["path"] == "config.lr"
    expect(error).to_have_text(answer.value.json()["error"]["fields"][0]["reason"])
    expect(lr_button).to_be_enabled()
    expect(page.get_by_test_id("suggestion-lr")).to_have_count(0)

    # a finder that fails: its error in words, the field as it was, the button ready again
    lr_field.fill("0.01")
    expect(page.get_by_role("status").filter(has_text="The settings are valid.")).to_be_visible()
    reason = "the learning-rate finder found no rate: the loss did not fall in the range tried"
    fake = {
        "id": "20260101-000000-abcdef",
        "what": "lr",
        "model": "small_cnn",
        "dataset": "tiny",
        "status": "queued",
        "lr": None,
        "curve": [],
        "batch_size": None,
        "error": None,
        "created_at": "2026-01-01T00:00:00Z",
        "finished_at": None,
    }
    page.route("**/api/v1/suggestions", lambda route: route.fulfill(status=202, json=fake))
    page.route(
        f"**/api/v1/suggestions/{fake['id']}",
        lambda route: route.fulfill(json={**fake, "status": "failed", "error": reason}),
    )
    lr_button.click()
    alert = page.get_by_test_id("suggestion-lr").get_by_role("alert")
    expect(alert).to_have_text(f"No learning rate was suggested: {reason}")
    expect(lr_field).to_have_value("0.01")
    expect(lr_button).to_be_enabled()
