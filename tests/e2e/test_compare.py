"""The runs list's server-side filters kept in the address, picking runs to compare them side by side,
and a run's tags and note edited on its page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ConsoleWatch, shoot
from tests.helpers import TINY
from tests.server import Server

SWEEP = "lr-sweep"


@pytest.fixture(scope="module")
def sweep(ui_server: Server) -> dict[str, dict]:
    """Three completed runs on ``tiny`` by name: two tagged ``lr-sweep`` with different learning rates, one not."""
    specs = {
        "sweep-slow": (1e-3, [SWEEP, "slow"]),
        "sweep-fast": (1e-2, [SWEEP, "fast"]),
        "outsider": (5e-3, ["other"]),
    }
    started = {}
    for name, (lr, tags) in specs.items():
        body = {
            "model": "small_cnn",
            "dataset": "tiny",
            "name": name,
            "tags": tags,
            "config": {**TINY, "epochs": 2, "lr": lr},
        }
        answer = ui_server.client.post("/api/v1/runs", json=body)
        assert answer.status_code == 201, answer.text
        started[name] = answer.json()["id"]
    return {name: ui_server.wait_for(run_id, ("completed",), timeout=300) for name, run_id in started.items()}


def run_links(page: Page) -> list[str]:
    """The names of the runs the list shows."""
    return page.locator(".runs-table tbody tr td:nth-child(2) > a").all_text_contents()


def test_the_runs_list_filters_on_the_server_and_keeps_the_filters_in_the_address(
    page: Page, sweep: dict[str, dict], console: ConsoleWatch
):
    page.goto("/runs")
    expect(page.get_by_role("link", name="outsider")).to_be_visible()
    page.get_by_label("Tag", exact=True).fill(SWEEP)
    page.get_by_label("Tag", exact=True).press("Enter")
    expect(page).to_have_url(re.compile(rf"tag={SWEEP}"))
    expect(page.get_by_role("link", name="outsider")).to_have_count(0)
    assert sorted(run_links(page)) == ["sweep-fast", "sweep-slow"]
    expect(page.get_by_role("list", name="Tag filters")).to_contain_text(SWEEP)

    page.reload()
    expect(page.get_by_role("link", name="sweep-fast")).to_be_visible()
    assert sorted(run_links(page)) == ["sweep-fast", "sweep-slow"]

    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="sweep-fast"))
    row.get_by_role("button", name="fast", exact=True).click()  # a chip adds its tag to the filters
    expect(page.get_by_role("link", name="sweep-slow")).to_have_count(0)
    assert run_links(page) == ["sweep-fast"]
    page.get_by_role("button", name="Remove the tag filter fast").click()
    expect(page.get_by_role("link", name="sweep-slow")).to_be_visible()

    console.expect(422, "/api/v1/runs")
    bound = page.get_by_label("Where")
    bound.fill("val_acc>0.5")
    bound.press("Enter")
    expect(page.locator(".runs-bound-filter [role=alert]")).to_contain_text("write metric:NAME OP VALUE")
    expect(bound).to_have_attribute("aria-invalid", "true")
    bound.fill("param:lr>=0.005")
    bound.press("Enter")
    expect(page.locator(".runs-bound-filter [role=alert]")).to_have_count(0)
    expect(page.get_by_role("link", name="sweep-slow")).to_have_count(0)  # the last good page shows meanwhile
    assert run_links(page) == ["sweep-fast"]
    assert "where=param%3Alr%3E%3D0.005" in page.url

    page.get_by_label("Search").fill("nothing-is-called-this")
    expect(page.get_by_text("No run matches these filters")).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=nothing-is-called-this"))
    page.get_by_role("button", name="Show all runs").click()
    expect(page.get_by_role("link", name="outsider")).to_be_visible()
    expect(page.get_by_label("Search")).to_have_value("")
    expect(page.get_by_label("Where")).to_have_value("")

    page.get_by_label("Search").fill("sweep-")
    expect(page.get_by_role("link", name="outsider")).to_have_count(0)
    assert sorted(run_links(page)) == ["sweep-fast", "sweep-slow"]
    shoot(page, "runs-filtered")


def test_two_picked_runs_are_compared_side_by_side(page: Page, sweep: dict[str, dict], console: ConsoleWatch):
    slow, fast = sweep["sweep-slow"], sweep["sweep-fast"]
    page.goto(f"/runs?tag={SWEEP}")
    compare = page.get_by_role("button", name=re.compile(r"^Compare \(\d+\)$"))
    expect(compare).to_be_disabled()
    page.get_by_label("Pick sweep-slow to compare").check()
    expect(compare).to_have_text("Compare (1)")
    expect(compare).to_be_disabled()
    page.get_by_label("Pick sweep-fast to compare").check()
    expect(compare).to_have_text("Compare (2)")
    compare.click()

    expect(page).to_have_url(re.compile(rf"/runs/compare\?ids={slow['id']},{fast['id']}$"))
    page.reload()  # the comparison's address is enough to open it again
    expect(page.get_by_role("heading", name="Compare runs")).to_be_visible()
    header = page.get_by_role("list", name="Compared runs")
    expect(header.get_by_role("link", name="sweep-slow")).to_have_attribute("href", f"/runs/{slow['id']}")
    expect(header.get_by_role("link", name="sweep-fast")).to_be_visible()
    expect(header).to_contain_text("small_cnn on tiny")
    expect(header.locator(".badge")).to_have_text(["completed", "completed"])

    chart = page.get_by_test_id("compare-chart")
    expect(chart).to_have_attribute("data-lines", "2")
    expect(chart.locator(".recharts-line")).to_have_count(2)
    expect(chart.get_by_role("list", name="Runs in the chart").get_by_role("listitem")).to_have_text(
        ["sweep-slow", "sweep-fast"]
    )
    expect(page.get_by_label("Metric", exact=True)).to_have_value("val_acc")
    page.get_by_label("Metric", exact=True).select_option("val_loss")
    expect(chart.get_by_role("heading")).to_have_text("val_loss by epoch")
    expect(page).to_have_url(re.compile(r"metric=val_loss"))
    expect(chart.locator(".recharts-line-dot")).to_have_count(4)  # two epochs of two runs

    metrics = page.get_by_role("table", name="Metrics of the compared runs")
    expect(metrics.get_by_role("rowheader", name="val_acc", exact=True)).to_be_visible()
    expect(metrics.get_by_role("row").filter(has_text="val_loss").locator(".compare-best")).to_have_count(1)

    config = page.get_by_role("table", name="Config of the compared runs")
    lr = config.get_by_role("row").filter(has=page.get_by_role("rowheader", name="lr", exact=True))
    expect(lr).to_have_class(re.compile("differs"))
    expect(lr.get_by_role("cell")).to_have_text(["0.001", "0.01"])
    epochs = config.get_by_role("row").filter(has=page.get_by_role("rowheader", name="epochs", exact=True))
    expect(epochs).to_have_count(0)
    page.get_by_label(re.compile(r"^Show all \d+ keys$")).check()
    expect(epochs.get_by_role("cell")).to_have_text(["2", "2"])
    expect(epochs).not_to_have_class(re.compile("differs"))
    shoot(page, "compare")

    console.expect(404, "/api/v1/runs/compare")
    page.goto(f"/runs/compare?ids={slow['id']},20990101-000000-abcdef")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("not there")
    expect(alert).to_contain_text("20990101-000000-abcdef")


def test_tags_and_a_note_are_edited_on_the_run_page(page: Page, ui_server: Server, sweep: dict[str, dict]):
    run = sweep["outsider"]
    page.goto(f"/runs/{run['id']}")
    header = page.locator(".run-header")
    expect(header.get_by_role("list", name="Tags")).to_have_text("other")
    header.get_by_role("button", name="Edit tags and note").click()
    form = page.get_by_role("form", name="Tags and note")
    form.get_by_role("button", name="Remove the tag other").click()
    form.get_by_label("Add tags").fill("baseline, keeper")
    form.get_by_label("Add tags").press("Enter")
    expect(form.get_by_role("button", name=re.compile("^Remove the tag "))).to_have_count(2)
    expect(form.get_by_role("button", name="Remove the tag baseline")).to_be_visible()
    expect(form.get_by_role("button", name="Remove the tag keeper")).to_be_visible()
    form.get_by_label("Note").fill("The lr between the two of the sweep.")
    shoot(page, "run-labels-editing")
    form.get_by_role("button", name="Save").click()
    expect(form).to_have_count(0)

    page.reload()
    expect(header.get_by_role("list", name="Tags").get_by_role("listitem")).to_have_text(["baseline", "keeper"])
    expect(header.locator(".run-note")).to_have_text("The lr between the two of the sweep.")
    saved = ui_server.client.get(f"/api/v1/runs/{run['id']}").json()
    assert (saved["tags"], saved["note"]) == (["baseline", "keeper"], "The lr between the two of the sweep.")

    header.get_by_role("link", name="keeper").click()  # a tag links to the runs that have it
    expect(page).to_have_url(re.compile(r"/runs\?tag=keeper$"))
    expect(page.get_by_role("link", name="outsider")).to_be_visible()
    assert run_links(page) == ["outsider"]


def test_a_new_run_takes_tags_and_a_note(page: Page, ui_server: Server):
    page.goto("/runs/new")
    expect(page.get_by_role("status").filter(has_text="The settings are valid.")).to_be_visible()
    page.get_by_text("Tags and note", exact=True).click()
    page.get_by_label("Tags", exact=True).fill("fresh, , fresh, from-form")
    page.get_by_label("Note", exact=True).fill("started from the form")
    page.get_by_role("button", name="Start training").click()
    expect(page).to_have_url(re.compile(r"/runs/(?!new$)[^/]+$"), timeout=30_000)
    run_id = page.url.rsplit("/", 1)[1]
    try:
        tags = page.locator(".run-header").get_by_role("list", name="Tags").get_by_role("listitem")
        expect(tags).to_have_text(["fresh", "from-form"])
        run = ui_server.client.get(f"/api/v1/runs/{run_id}").json()
        assert (run["tags"], run["note"]) == (["fresh", "from-form"], "started from the form")
    finally:
        ui_server.client.post(f"/api/v1/runs/{run_id}/stop")
