"""``python -m visionyard.worker.rank SPEC``: one of ranks 1..N-1 of a distributed run, started by
:func:`visionyard.worker.ranks.other_ranks` with the environment Lightning reads."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from visionyard.config import Settings
from visionyard.plugins.catalog import catalog_for
from visionyard.worker.execute import train_rank
from visionyard.worker.ranks import read_spec


def main(spec: str) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings()
    train_rank(read_spec(Path(spec)), settings, catalog_for(settings))


if __name__ == "__main__":
    main(sys.argv[1])
