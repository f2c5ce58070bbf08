"""A run executed in this process as rank zero, for the distributed tests (a process group is not
something to leave behind in pytest's own process).

``python -m tests.engine.distributed_run SPEC``: SPEC is JSON with the run's ``home``, ``dataset``,
``config`` (a new run) or ``resume`` (a run id), and ``pause_at_step`` (optional); prints the run id
and the outcome as JSON."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, replace


def main(spec: dict) -> None:
    os.environ["VISIONYARD_HOME"] = spec["home"]
    from tests.helpers import PauseAtStep
    from visionyard.config import Settings
    from visionyard.plugins.catalog import catalog_for
    from visionyard.services.runs import prepare_resume, prepare_run
    from visionyard.worker.execute import execute_run

    settings = Settings()
    catalog = catalog_for(settings)
    if spec.get("resume"):
        request = prepare_resume(settings, catalog, spec["resume"], {})
    else:
        request = prepare_run(settings, catalog, "small_cnn", spec["dataset"], spec["config"])
    control = PauseAtStep(spec.get("pause_at_step"))
    outcome = execute_run(replace(request, progress=False), settings, catalog, control=control)
    print(json.dumps({"run_id": request.folder.run_id, **asdict(outcome)}))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
