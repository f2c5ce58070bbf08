"""A worker on a cluster node with a HOME of its own takes the artifact store as the run's copy of record:
what the node kept of an earlier attempt is dropped, and the server's dataset is pulled into its HOME.
The store is a plain folder here (any fsspec URL is a store)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update

from tests.helpers import make_image_folder, queue_run
from visionyard.config import Settings
from visionyard.core.runs import Origin, home_id, worker_request
from visionyard.db.models import Run
from visionyard.db.session import Database
from visionyard.storage.artifacts import artifact_store
from visionyard.storage.run_folder import RunFolder

RUN = "20261203-000000-abcdef"


def test_a_node_of_its_own_drops_an_older_attempts_copy_and_pulls_the_dataset(tmp_path: Path):
    store = (tmp_path / "store").as_uri()
    server, node = (Settings(home=tmp_path / name, storage_url=store) for name in ("server", "node"))
    db = Database(f"sqlite:///{tmp_path / 'vy.db'}")
    db.migrate()
    dataset = make_image_folder(server.root / "data" / "tiny")
    queue_run(db, RUN)
    with db.write() as session:
        session.execute(update(Run).where(Run.id == RUN).values(dataset_path=str(dataset)))
    trained = RunFolder.of(server.runs_dir, RUN)  # the newest attempt's checkpoint, in the store
    trained.last_ckpt.parent.mkdir(parents=True)
    trained.last_ckpt.write_bytes(b"epoch 3")
    artifact_store(server).push(trained.root)
    artifact_store(server).push(dataset)
    kept = RunFolder.of(node.runs_dir, RUN)  # what this node kept of attempt 1
    kept.last_ckpt.parent.mkdir(parents=True)
    kept.last_ckpt.write_bytes(b"epoch 1")
    (kept.root / "logs").mkdir()
    (kept.root / "logs" / "worker.log").write_text("this attempt's output")
    origin = Origin(server.root, home_id(server))

    with db.session() as session:
        request = worker_request(node, session, session.get_one(Run, RUN), origin)
    assert request.resume and kept.last_ckpt.read_bytes() == b"epoch 3"
    assert (kept.root / "logs" / "worker.log").read_text() == "this attempt's output"
    assert request.dataset == node.root / "data" / "tiny"
    pulled = files(request.dataset)
    assert pulled and pulled == files(dataset)

    with db.session() as session:  # a node sharing the server's HOME (one file system) reads it in place
        shared = worker_request(server, session, session.get_one(Run, RUN), origin)
    assert shared.dataset == dataset and trained.last_ckpt.read_bytes() == b"epoch 3"


def files(folder: Path) -> list[Path]:
    """The dataset's files (not the store's bookkeeping, a hidden file)."""
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
