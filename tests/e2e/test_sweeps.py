"""Sweeps in the browser: the list, a sweep's page (its trials with a pruned one, the best trial, the optimization
history, parallel coordinates and importances), the best trial published to the registry and a run started from
the best config in one click each, trial runs linked to their sweep from the runs list and the run page, and the
new-sweep form (its 422s inline, a sweep started, paused, resumed, stopped and deleted).

The sweep the pages are checked on is seeded: a ``sweeps`` row, its trials' runs and an Optuna study of the same
name in the server's database, as the sweep driver would leave a finished sweep. The best trial's run is trained
(so it has checkpoints to publish), the others are rows only.
"""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta

import pytest
from optuna.trial import TrialState
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ConsoleWatch, shoot
from tests.e2e.test_pages import UNLABELLED
from tests.helpers import TINY
from tests.server import Server
from visionyard.config import Settings
from visionyard.db.models import Run, Sweep, utcnow
from visionyard.db.session import Database
from visionyard.services.sweeps import new_sweep_id
from visionyard.tuning import space as spaces
from visionyard.tuning import study as studies

SPACE = {
    "lr": {"type": "float", "low": 1e-4, "high": 0.1, "log": True, "step": None},
    "optimizer.type": {"type": "categorical", "choices": ["adam", "adamw", "sgd", "rmsprop"]},
}
NAME = "lr-and-optimizer"
# number: (params, run status, objective at each epoch, error)
TRIALS: dict[int, tuple[dict, str, list[float], str | None]] = {
    0: ({"lr": 0.001, "optimizer.type": "adam"}, "completed", [0.5, 0.62], None),
    1: ({"lr": 0.01, "optimizer.type": "sgd"}, "completed", [0.7, 0.87], None),
    2: ({"lr": 0.05, "optimizer.type": "adamw"}, "pruned", [0.2], None),
    3: ({"lr": 0.0003, "optimizer.type": "rmsprop"}, "completed", [0.55, 0.71], None),
    4: ({"lr": 0.08, "optimizer.type": "sgd"}, "failed", [], "the loss is not finite at epoch 1"),
}
BEST = 1


@pytest.fixture(scope="module")
def seeded(ui_server: Server) -> dict:
    """A finished sweep of five trials of small_cnn on ``tiny``: three completed (trial 1 the best, its run
    trained), one pruned after its first epoch and one failed. The driver leaves it alone: it has finished."""
    config = spaces.trial_config({**TINY, "epochs": 2}, TRIALS[BEST][0])
    body = {"model": "small_cnn", "dataset": "tiny", "config": config}
    trained = ui_server.client.post("/api/v1/runs", json=body).json()["id"]
    ui_server.wait_for(trained, ("completed",), timeout=300)
    settings = Settings(home=ui_server.home)
    db = Database(settings.database, settings.runs_dir)
    sweep_id = new_sweep_id()
    direction = "maximize"
    study = studies.create(db.url, sweep_id, direction)
    distributions = studies.distributions(SPACE)
    started = utcnow() - timedelta(minutes=10)
    for number, (params, status, values, error) in TRIALS.items():
        study.enqueue_trial(params)
        trial = study.ask(distributions)
        assert trial.number == number and trial.params == params
        for epoch, value in enumerate(values, start=1):
            trial.report(value, epoch)
        if status == "completed":
            study.tell(trial, max(values))
        elif status == "pruned":
            study.tell(trial, state=TrialState.PRUNED)
        else:
            trial.set_user_attr("error", error)
            study.tell(trial, state=TrialState.FAIL)
    runs = {number: f"20990102-0000{number:02d}-5eed{number:02d}" for number in TRIALS} | {BEST: trained}
    with db.write() as session:
        session.add(
            Sweep(
                id=sweep_id,
                name=NAME,
                status="completed",
                model="small_cnn",
                task="classification",
                dataset="tiny",
                config=TINY,
                space=SPACE,
                objective={"metric": "val_acc", "direction": direction},
                n_trials=len(TRIALS),
                parallelism=2,
                sampler="tpe",
                pruner={"type": "median", "n_startup_trials": 1, "n_warmup_steps": 0, "interval_steps": 1},
                seed=7,
                best_value=max(v[-1] for _, s, v, _ in TRIALS.values() if s == "completed"),
                created_at=started,
                started_at=started,
                finished_at=utcnow(),
            )
        )
        session.flush()
        for number, (params, status, values, error) in TRIALS.items():
            if number == BEST:
                run = session.get_one(Run, trained)
                run.name, run.sweep_id, run.trial_number = f"{NAME} trial {number}", sweep_id, number
                continue
            session.add(
                Run(
                    id=runs[number],
                    name=f"{NAME} trial {number}",
                    tags=[],
                    sweep_id=sweep_id,
                    trial_number=number,
                    status=status,
                    model="small_cnn",
                    task="classification",
                    dataset="tiny",
                    dataset_path=str(ui_server.home / "data" / "tiny"),
                    config=spaces.trial_config(TINY, params),
                    epochs=2,
                    attempt=1,
                    current_epoch=len(values),
                    current_step=len(values) * 3,
                    best_metrics={"val_acc": max(values), "epoch": values.index(max(values)) + 1} if values else {},
                    error=error,
                    created_at=started + timedelta(seconds=number),
                    queued_at=started + timedelta(seconds=number),
                    started_at=started + timedelta(seconds=number + 1),
                    finished_at=started + timedelta(seconds=number + 30),
                )
            )
    db.engine.dispose()
    shown = ui_server.client.get(f"/api/v1/sweeps/{sweep_id}").json()
    assert shown["best_trial"]["number"] == BEST and len(shown["trials"]) == len(TRIALS), shown
    return {"id": sweep_id, "runs": runs, "shown": shown}


def open_in_app(page: Page, ui_server: Server, path: str) -> None:
    """Open one of the app's pages. The server answers the app's own paths (``api/webui.py``'s ``PAGES``); while
    ``/sweeps`` is not among them, a sweep page is opened from within the app (its router), not loaded."""
    if ui_server.client.get(path).headers.get("content-type", "").startswith("text/html"):
        page.goto(path)
        return
    page.goto("/runs")
    expect(page.get_by_role("heading", name="Runs", exact=True)).to_be_visible()
    page.evaluate("path => { history.pushState(null, '', path); dispatchEvent(new PopStateEvent('popstate')); }", path)


def test_the_sweeps_list_and_a_sweeps_page_with_its_trials_charts_and_best_trial(
    page: Page, ui_server: Server, seeded: dict
):
    page.goto("/runs")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sweeps").click()
    expect(page).to_have_url(re.compile(r"/sweeps$"))
    expect(page.get_by_role("heading", name="Sweeps", exact=True)).to_be_visible()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=NAME, exact=True))
    expect(row.locator(".badge")).to_have_text("completed")
    expect(row).to_contain_text("small_cnn")
    expect(row).to_contain_text("tiny")
    expect(row).to_contain_text("val_acc, maximized")
    expect(row).to_contain_text("5 / 5 trials")
    expect(row).to_contain_text("3 completed · 1 pruned · 1 failed")
    expect(row).to_contain_text("0.8700")
    expect(page.get_by_role("link", name="New sweep")).to_be_visible()
    assert page.evaluate(UNLABELLED) == []
    shoot(page, "sweeps")

    row.get_by_role("link", name=NAME, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/sweeps/{seeded['id']}$"))
    header = page.locator(".sweep-header")
    expect(header.get_by_role("heading", name=NAME)).to_be_visible()
    expect(header.locator(".sweep-title .badge")).to_have_text("completed")
    for fact in (
        "small_cnn",
        "tiny",
        "val_acc",
        "maximize",
        "tpe",
        "median · n_startup_trials 1",
        "2 trials at a time",
    ):
        expect(header).to_contain_text(fact)
    # a finished sweep can be deleted, not paused, resumed or stopped
    expect(page.get_by_role("button", name="Pause")).to_be_disabled()
    expect(page.get_by_role("button", name="Resume")).to_be_disabled()
    expect(page.get_by_role("button", name="Stop")).to_be_disabled()
    expect(page.get_by_role("button", name="Delete sweep")).to_be_enabled()

    trials = page.get_by_role("table", name="Trials")
    headers = trials.get_by_role("columnheader").all_text_contents()
    assert headers == ["Trial", "Run", "Status", "lr", "optimizer.type", "val_acc", "Epochs", "Error"], headers
    rows = trials.get_by_role("row").filter(has=page.get_by_role("rowheader"))
    expect(rows).to_have_count(len(TRIALS))
    expect(rows.locator(".badge:not(.best-trial)")).to_have_text(
        ["completed", "completed", "pruned", "completed", "failed"]
    )
    pruned = rows.nth(2)
    expect(pruned.locator(".badge.status-pruned")).to_be_visible()
    expect(pruned).to_contain_text("0.2000 (pruned)")
    expect(pruned.get_by_role("link", name=seeded["runs"][2])).to_have_attribute("href", f"/runs/{seeded['runs'][2]}")
    expect(rows.nth(BEST)).to_have_class(re.compile(r"\bbest\b"))
    expect(rows.nth(BEST).get_by_role("cell")).to_contain_text(["0.01", "sgd", "0.8700", "2"])
    expect(rows.nth(4)).to_contain_text("the loss is not finite at epoch 1")

    best = page.get_by_test_id("best-trial")
    expect(best).to_contain_text("val_acc 0.8700")
    expect(best).to_contain_text(f"trial {BEST}")
    params = best.locator(".sweep-best-params")
    expect(params.locator("dt")).to_have_text(["lr", "optimizer.type"])
    expect(params.locator("dd")).to_have_text(["0.01", "sgd"])

    history = page.get_by_test_id("sweep-history")
    expect(history).to_have_attribute("data-trials", "3")
    expect(history).to_have_attribute("data-pruned", "1")
    expect(history.locator(".recharts-line")).to_have_count(3)  # best so far, the values, the pruned reports
    expect(history.locator(".recharts-line-dot")).to_have_count(4)  # three values, one pruned report
    expect(history.get_by_role("list", name="Optimization history series").get_by_role("button")).to_have_text(
        ["trial's value", "best so far", "pruned (last report)"]
    )

    parallel = page.get_by_test_id("sweep-parallel")
    svg = parallel.locator("svg[role=img]")
    expect(svg).to_be_visible()
    expect(svg.locator(".pc-axis")).to_have_count(3)  # lr, optimizer.type and the objective
    expect(svg.locator(".pc-axis-name")).to_have_text(["lr", "optimizer.type", "val_acc"])
    expect(svg.locator("polyline.pc-line")).to_have_count(len(TRIALS))
    expect(svg.locator("polyline.pc-line.unscored")).to_have_count(2)  # the pruned and the failed trial
    expect(svg.locator("polyline.pc-line.best")).to_have_attribute("data-trial", str(BEST))
    colours = {svg.locator(f"polyline[data-trial='{n}']").get_attribute("stroke") for n in (0, 1, 3)}
    assert len(colours) == 3, colours  # coloured by their value
    # categorical values on evenly spaced points of their axis, the four choices' labels on it
    expect(svg.locator(".pc-axis").nth(1).locator(".pc-tick")).to_have_text(["adam", "adamw", "sgd", "rmsprop"])

    importances = page.get_by_test_id("sweep-importances")
    meters = importances.get_by_role("meter")
    expect(meters).to_have_count(2)
    values = [float(m.get_attribute("aria-valuenow") or "nan") for m in meters.all()]
    assert abs(sum(values) - 1) < 1e-3 and values == sorted(values, reverse=True), values
    shown = seeded["shown"]["importances"]
    for name in ("lr", "optimizer.type"):
        meter = importances.get_by_role("meter", name=name, exact=True)
        assert float(meter.get_attribute("aria-valuenow") or "nan") == pytest.approx(shown[name])
    assert page.evaluate(UNLABELLED) == []
    shoot(page, "sweep")

    best.get_by_role("button", name="Publish the best trial").click()
    published = best.get_by_role("status")
    expect(published).to_contain_text(f"Published {NAME} version 1")
    expect(published.get_by_role("link", name=f"Open {NAME} in the registry")).to_have_attribute(
        "href", f"/registry/{NAME}"
    )
    version = ui_server.client.get(f"/api/v1/registry/models/{NAME}/versions/latest").json()
    assert (version["version"], version["run_id"], version["model"]) == (1, seeded["runs"][BEST], "small_cnn")
    assert version["description"] == f"Best trial {BEST} of sweep {seeded['id']} (val_acc 0.8700)."
    shoot(page, "sweep-best-published")

    page.get_by_role("button", name="Start a run from the best config").click()
    expect(page).to_have_url(re.compile(r"/runs/(?!new$)[^/]+$"), timeout=30_000)
    run_id = page.url.rsplit("/", 1)[1]
    try:
        assert run_id not in seeded["runs"].values()
        expect(page.locator(".run-header h1")).to_have_text(f"{NAME} · best trial {BEST}")
        run = ui_server.client.get(f"/api/v1/runs/{run_id}").json()
        assert (run["model"], run["dataset"], run["sweep_id"]) == ("small_cnn", "tiny", None)
        config = run["config"]
        assert config["lr"] == 0.01 and config["optimizer"]["type"] == "sgd", config
        assert config["epochs"] == TINY["epochs"] and config["batch_size"] == TINY["batch_size"]
    finally:
        ui_server.client.post(f"/api/v1/runs/{run_id}/stop")


def test_trial_runs_link_to_their_sweep_from_the_runs_list_and_the_run_page(
    page: Page, ui_server: Server, seeded: dict
):
    page.goto(f"/runs?sweep={seeded['id']}")
    expect(page.get_by_label("Sweep", exact=True)).to_have_value(seeded["id"])
    table = page.locator(".runs-table")
    expect(table.locator("tbody tr")).to_have_count(len(TRIALS))
    expect(table.get_by_role("link", name=re.compile(r"^sweep · trial \d$"))).to_have_count(len(TRIALS))
    pruned_row = table.get_by_role("row").filter(has=page.get_by_role("link", name=f"{NAME} trial 2"))
    expect(pruned_row.locator(".badge.status-pruned")).to_have_text("pruned")
    shoot(page, "runs-of-a-sweep")

    page.get_by_label("Status", exact=True).select_option("pruned")
    expect(table.locator("tbody tr")).to_have_count(1)
    page.get_by_label("Sweep", exact=True).select_option("")
    expect(page).not_to_have_url(re.compile(r"sweep="))

    page.goto(f"/runs/{seeded['runs'][2]}")
    header = page.locator(".run-header")
    expect(header.locator(".run-title .badge:not(.warning)")).to_have_text("pruned")
    link = header.get_by_role("link", name="sweep · trial 2")
    expect(link).to_have_attribute("href", f"/sweeps/{seeded['id']}")
    link.click()
    expect(page.locator(".sweep-header").get_by_role("heading", name=NAME)).to_be_visible()


def test_a_sweep_is_made_on_the_form_with_its_errors_inline_then_paused_resumed_stopped_and_deleted(
    page: Page, ui_server: Server, console: ConsoleWatch
):
    open_in_app(page, ui_server, "/sweeps")
    page.get_by_role("link", name="New sweep").click()
    expect(page.get_by_role("heading", name="New sweep")).to_be_visible()
    space = page.get_by_label("Search space (JSON)")
    assert '"lr": {"low": 0.0001, "high": 0.1, "log": true}' in space.input_value()
    assert '"optimizer.type": {}' in space.input_value()
    assert page.evaluate(UNLABELLED) == []
    shoot(page, "new-sweep")

    page.get_by_label("Dataset", exact=True).select_option("tiny")
    page.get_by_label("Sweep name").fill("form-search")
    page.get_by_label("Base config (JSON)").fill('{"epochs": 1, "batch_size": 8')
    page.get_by_role("button", name="Start sweep").click()
    expect(page.locator(".field.invalid").filter(has_text="Base config")).to_contain_text("not valid JSON")

    console.expect(422, "/api/v1/sweeps")
    before = ui_server.client.get("/api/v1/sweeps").json()["total"]
    config = {**TINY, "lr": 0.001}
    page.get_by_label("Base config (JSON)").fill(json.dumps(config))
    space.fill('{"lr": {"low": 0.1, "high": 0.01}}')
    page.get_by_role("button", name="Start sweep").click()
    field = page.locator(".field.invalid").filter(has_text="Search space")
    expect(field).to_contain_text("lr: ")
    expect(field).to_contain_text("must be below high")
    expect(page.get_by_label("Search space (JSON)")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert").filter(has_text="The sweep was not started")).to_be_visible()
    assert ui_server.client.get("/api/v1/sweeps").json()["total"] == before

    space.fill('{"lr": {"low": 0.001, "high": 0.01, "log": true}}')  # edited: the error is gone
    expect(page.locator(".field.invalid")).to_have_count(0)
    page.get_by_label("Trials", exact=True).fill("2")
    page.get_by_label("Sampler").select_option("random")
    page.get_by_label("Pruner", exact=True).select_option("median")
    page.get_by_label("Pruner options (JSON)").fill('{"n_startup_trials": 1}')
    page.get_by_role("button", name="Start sweep").click()
    expect(page).to_have_url(re.compile(r"/sweeps/sweep-[^/]+$"), timeout=30_000)
    sweep_id = page.url.rsplit("/", 1)[1]
    try:
        sweep = ui_server.client.get(f"/api/v1/sweeps/{sweep_id}").json()
        assert (sweep["name"], sweep["n_trials"], sweep["sampler"]) == ("form-search", 2, "random")
        assert sweep["pruner"]["type"] == "median" and sweep["pruner"]["n_startup_trials"] == 1
        assert sweep["config"] == config and list(sweep["space"]) == ["lr"]
        header = page.locator(".sweep-header")
        badge = header.locator(".sweep-title .badge")
        expect(header.get_by_role("heading", name="form-search")).to_be_visible()
        expect(badge).to_have_text("running")
        shoot(page, "sweep-running")

        page.get_by_role("button", name="Pause").click()
        expect(badge).to_have_text("paused")
        expect(page.get_by_role("button", name="Pause")).to_be_disabled()
        page.get_by_role("button", name="Resume").click()
        expect(badge).to_have_text("running")
        page.get_by_role("button", name="Stop").click()
        page.get_by_role("button", name="Yes, stop").click()
        expect(badge).to_have_text("stopped")
        expect(page.get_by_role("button", name="Resume")).to_be_enabled()
        # deletable once its trials have ended (the page refreshes until then)
        delete = page.get_by_role("button", name="Delete sweep")
        expect(delete).to_be_enabled(timeout=120_000)
        delete.click()
        page.get_by_role("button", name="Yes, delete sweep").click()
        expect(page).to_have_url(re.compile(r"/sweeps$"))
        expect(page.get_by_role("link", name="form-search")).to_have_count(0)
        assert ui_server.client.get(f"/api/v1/sweeps/{sweep_id}").status_code == 404
    finally:
        wait_ended(ui_server, sweep_id)


def wait_ended(ui_server: Server, sweep_id: str, timeout: float = 120) -> None:
    """Leave no trial of the form's sweep training for the tests after this one."""
    deadline = time.monotonic() + timeout
    ui_server.client.post(f"/api/v1/sweeps/{sweep_id}/stop")
    while time.monotonic() < deadline:
        answer = ui_server.client.get(f"/api/v1/sweeps/{sweep_id}")
        if answer.status_code == 404 or answer.json()["finished_at"]:
            return
        time.sleep(0.5)
