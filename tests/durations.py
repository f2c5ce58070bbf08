"""Seconds each test file took in a full run (``tests/durations.json``), for the order the suite runs in.

xdist hands the two workers one file at a time (``--dist loadfile --no-loadscope-reorder``); with the longest
files first, the short ones at the end fill the gaps and both workers end together, instead of one running a
long file alone while the other waits. Refresh the figures from a full run's JUnit report:

    .venv/bin/pytest -n 2 --dist loadfile --junitxml=report.xml
    .venv/bin/python -m tests.durations report.xml
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ElementTree
from collections import Counter
from pathlib import Path

import pytest

FIGURES = Path(__file__).with_name("durations.json")
ROOT = Path(__file__).resolve().parents[1]


def longest_first(items: list[pytest.Item]) -> None:
    """Sort the collected tests by their file's seconds, longest first (stable: a file's tests keep their order
    and stay together; files without a figure go last)."""
    seconds = json.loads(FIGURES.read_text(encoding="utf-8"))
    items.sort(key=lambda item: -seconds.get(item.nodeid.split("::")[0], 0))


def file_of(classname: str) -> str:
    """The test file of a JUnit ``classname`` (``tests.api.test_x`` or ``tests.api.test_x.TestClass``)."""
    parts = classname.split(".")
    for end in range(len(parts), 0, -1):
        candidate = "/".join(parts[:end]) + ".py"
        if (ROOT / candidate).is_file():
            return candidate
    raise ValueError(f"no test file for {classname}")


def main(report: str) -> None:
    seconds: Counter[str] = Counter()
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        seconds[file_of(case.get("classname", ""))] += float(case.get("time") or 0)
    figures = {name: round(value) for name, value in sorted(seconds.items(), key=lambda kv: -kv[1])}
    FIGURES.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
