"""Applies one event of visionyard's log to MLflow, idempotently (see docs/tracking.md).

Every call here may be repeated after a crash without harm: params are logged with the same values,
metrics with the event's own timestamp (MLflow keeps one point per key, step, timestamp and value),
tags and statuses are set rather than added, artifacts overwrite themselves, and an MLflow run or
model version is looked up by its ``visionyard.*`` tags before one is created. Imports mlflow.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from mlflow.entities import Metric, Param, RunTag
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient
from sqlalchemy import select, update

from visionyard.common.statuses import JobStatus, RunStatus
from visionyard.config import Settings
from visionyard.db.models import Event, Job, ModelVersion, Run, Sweep, TrainedModel, utcnow
from visionyard.db.session import Database
from visionyard.storage.artifacts import artifact_store
from visionyard.storage.run_folder import RunFolder
from visionyard.tracking import mapping
from visionyard.tracking.transient import is_transient

log = logging.getLogger("visionyard.tracking")

MAX_TAG = 5000
MISSING = "RESOURCE_DOES_NOT_EXIST"
EXISTS = "RESOURCE_ALREADY_EXISTS"


class MlflowWriter:
    def __init__(self, settings: Settings, db: Database, client: MlflowClient):
        self.settings, self.db, self.client = settings, db, client
        self._experiment_id: str | None = None
        self._verified: set[str] = set()
        """MLflow run ids seen to exist in this store (a changed tracking URI leaves stale ids behind)."""

    def apply(self, event: Event) -> None:
        handler = getattr(self, f"_on_{event.kind}", None)
        if handler is not None and (event.run_id is not None or event.kind in ("registry", "sweep")):
            handler(event)

    # --- events -------------------------------------------------------------------------------

    def _on_status(self, event: Event) -> None:
        run = self._run(event.run_id)
        if run is None:
            return
        status, attempt = event.data["status"], event.data.get("attempt") or 0
        tracking_id = self._existing_id(run)
        if tracking_id is None:
            if status not in mapping.STARTED or attempt < 1:
                return
            tracking_id = self._create(run, started=event.created_at)
        self._set_status(
            tracking_id, run.id, status, attempt, event.data.get("reason"), mapping.millis(event.created_at)
        )

    def _on_epoch(self, event: Event) -> None:
        tracking_id = self._ensure(event.run_id)
        if tracking_id is None:
            return
        moment, step = mapping.millis(event.created_at), int(event.data.get("epoch", 0))
        metrics = [Metric(k, v, moment, step) for k, v in mapping.metric_values(event.data).items()]
        for part in mapping.chunks(metrics, 1000):
            self.client.log_batch(tracking_id, metrics=part)

    def _on_system(self, event: Event) -> None:
        tracking_id = self._ensure(event.run_id)
        if tracking_id is None:
            return
        moment = mapping.millis(event.created_at)
        metrics = [Metric(k, v, moment, event.id) for k, v in mapping.system_metrics(event.data).items()]
        self.client.log_batch(tracking_id, metrics=metrics)

    def _on_dataset(self, event: Event) -> None:
        tracking_id = self._ensure(event.run_id)
        if tracking_id is None:
            return
        data = event.data
        facts = {
            "visionyard.dataset_fingerprint": data.get("digest") or data.get("fingerprint"),
            "visionyard.dataset_files": data.get("files"),
            "visionyard.dataset_bytes": data.get("bytes"),
        }
        self._tag(tracking_id, {tag: str(value) for tag, value in facts.items() if value is not None})

    def _on_warning(self, event: Event) -> None:
        tracking_id = self._ensure(event.run_id)
        if tracking_id is not None:
            self._tag(tracking_id, {f"visionyard.warning.{event.data['kind']}": event.data["message"]})

    def _on_job(self, event: Event) -> None:
        data = event.data
        if data.get("kind") != "export" or data.get("status") not in (JobStatus.COMPLETED, JobStatus.FAILED_PARITY):
            return
        tracking_id = self._ensure(event.run_id)
        if tracking_id is None:
            return
        assert event.run_id is not None
        folder = RunFolder.of(self.settings.runs_dir, event.run_id).job_folder("export", data["id"])
        if self._local(folder).is_dir():
            self.client.log_artifacts(tracking_id, str(folder), f"exports/{data['id']}")
        with self.db.session() as session:
            job = session.get(Job, data["id"])
            export_format = job.params.get("format") if job is not None else None
        if export_format:
            self._tag(tracking_id, {f"visionyard.export.{mapping.safe_key(export_format)}": data["id"]})

    def _on_registry(self, event: Event) -> None:
        data = event.data
        if data.get("action") == "publish":
            with self.db.session() as session:
                version = session.get(ModelVersion, data["version_id"])
            if version is None:
                log.warning("model version %s is gone; not mirrored", data["version_id"])
                return
            self._publish(data["model"], version)
        elif data.get("action") == "alias":
            self._alias(data["model"], data["alias"], data.get("to_version"), data.get("actor"))

    def _on_sweep(self, event: Event) -> None:
        """A sweep's status change: its parent run is made (once) and given the sweep's status and best value."""
        with self.db.session() as session:
            sweep = session.get(Sweep, event.data["id"])
        if sweep is None:
            return
        tracking_id = self._sweep_parent(sweep)
        status = event.data["status"]
        self._tag(tracking_id, {"visionyard.status": status})
        if sweep.best_value is not None:
            metric = f"best_{mapping.safe_key(sweep.objective['metric'])}"
            self.client.log_metric(tracking_id, metric, sweep.best_value, mapping.millis(event.created_at))
        target = mapping.SWEEP_STATUSES[status]
        if target == "RUNNING":
            self.client.update_run(tracking_id, status=target)
        else:
            self.client.set_terminated(tracking_id, target, end_time=mapping.millis(event.created_at))

    def _sweep_parent(self, sweep: Sweep) -> str:
        """The MLflow run the sweep's trials are children of, found by its tag or made (with the sweep's
        settings as params), its id kept on the sweep."""
        if sweep.tracking_id is not None and sweep.tracking_id in self._verified:
            return sweep.tracking_id
        experiment_id = self._experiment()
        found = self.client.search_runs(
            [experiment_id], filter_string=f"tags.`visionyard.sweep_id` = '{sweep.id}'", max_results=1
        )
        if found:
            tracking_id = found[0].info.run_id
        else:
            tags = {
                "mlflow.runName": sweep.name or sweep.id,
                "mlflow.source.name": "visionyard",
                "mlflow.source.type": "JOB",
                "visionyard.sweep_id": sweep.id,
                "visionyard.model": sweep.model,
                "visionyard.dataset": sweep.dataset,
            }
            created = self.client.create_run(
                experiment_id, start_time=mapping.millis(sweep.created_at), tags=tags, run_name=sweep.name or sweep.id
            )
            tracking_id = created.info.run_id
            search = {
                "n_trials": sweep.n_trials,
                "parallelism": sweep.parallelism,
                "sampler": sweep.sampler,
                "pruner": sweep.pruner,
                "objective": sweep.objective,
            }
            params = [Param(k, v) for k, v in mapping.sweep_params(sweep.config, sweep.space, search).items()]
            for part in mapping.chunks(params):
                self.client.log_batch(tracking_id, params=part)
        with self.db.write() as session:
            session.execute(update(Sweep).where(Sweep.id == sweep.id).values(tracking_id=tracking_id))
        self._verified.add(tracking_id)
        return tracking_id

    # --- runs ---------------------------------------------------------------------------------

    def _run(self, run_id: str | None) -> Run | None:
        if run_id is None:
            return None
        with self.db.session() as session:
            return session.get(Run, run_id)

    def _existing_id(self, run: Run) -> str | None:
        """The run's MLflow run id, or None when it has none in this store (new, or another store's)."""
        tracking_id = run.tracking_id
        if tracking_id is None or tracking_id in self._verified:
            return tracking_id
        try:
            found = self.client.get_run(tracking_id)
        except MlflowException as exc:
            if exc.error_code != MISSING:
                raise
            found = None
        if found is None or found.info.lifecycle_stage != "active":
            log.warning("run %s: MLflow run %s is not in this store; creating another", run.id, tracking_id)
            return None
        self._verified.add(tracking_id)
        return tracking_id

    def _ensure(self, run_id: str | None) -> str | None:
        """The MLflow run of a run that has trained, created (with its current status) if it has none."""
        run = self._run(run_id)
        if run is None:
            return None
        tracking_id = self._existing_id(run)
        if tracking_id is not None:
            return tracking_id
        if run.attempt < 1:
            return None
        tracking_id = self._create(run, started=run.started_at or run.created_at)
        if run.status != RunStatus.RUNNING:
            moment = mapping.millis(run.finished_at or utcnow())
            self._set_status(tracking_id, run.id, run.status, run.attempt, None, moment)
        return tracking_id

    def _create(self, run: Run, started: Any) -> str:
        experiment_id = self._experiment()
        found = self.client.search_runs(
            [experiment_id], filter_string=f"tags.`visionyard.run_id` = '{run.id}'", max_results=1
        )
        if found:
            tracking_id = found[0].info.run_id
        else:
            created = self.client.create_run(
                experiment_id, start_time=mapping.millis(started), tags=self._run_tags(run), run_name=run.name or run.id
            )
            tracking_id = created.info.run_id
        params = [Param(k, v) for k, v in mapping.params(run.config).items()]
        for part in mapping.chunks(params):
            self.client.log_batch(tracking_id, params=part)
        return self._record_id(run, tracking_id)

    def _record_id(self, run: Run, tracking_id: str) -> str:
        """Store the id unless another mirror stored one first (then ours is deleted and theirs kept)."""
        with self.db.write() as session:
            done = session.execute(
                update(Run)
                .where(Run.id == run.id, (Run.tracking_id.is_(None)) | (Run.tracking_id == run.tracking_id))
                .values(tracking_id=tracking_id)
            )
            winner = tracking_id if done.rowcount else session.scalar(select(Run.tracking_id).where(Run.id == run.id))
        if winner and winner != tracking_id:
            self.client.delete_run(tracking_id)
            return winner
        self._verified.add(tracking_id)
        log.info("run %s: mirrored as MLflow run %s", run.id, tracking_id)
        return tracking_id

    def _run_tags(self, run: Run) -> dict[str, str]:
        tags = {
            "mlflow.runName": run.name or run.id,
            "mlflow.source.name": "visionyard",
            "mlflow.source.type": "JOB",
            "visionyard.run_id": run.id,
            "visionyard.url": self.settings.run_url(run.id),
            "visionyard.model": run.model,
            "visionyard.task": run.task,
            "visionyard.dataset": run.dataset,
            "visionyard.dataset_fingerprint": run.dataset_fingerprint,
            "visionyard.preset": run.preset,
            "visionyard.base_run": run.base_run,
        }
        if run.sweep_id is not None:
            with self.db.session() as session:
                sweep = session.get(Sweep, run.sweep_id)
            if sweep is not None:
                tags["mlflow.parentRunId"] = self._sweep_parent(sweep)
                tags["visionyard.sweep_id"], tags["visionyard.trial_number"] = sweep.id, str(run.trial_number)
        return {key: value for key, value in tags.items() if value}

    def _experiment(self) -> str:
        if self._experiment_id is None:
            name = self.settings.mlflow_experiment
            found = self.client.get_experiment_by_name(name)
            if found is None:
                location = None
                if not mapping.is_remote(self.settings.mlflow_tracking_uri or ""):
                    location = (self.settings.root / "mlflow-artifacts").as_uri()
                try:
                    self._experiment_id = self.client.create_experiment(name, artifact_location=location)
                except MlflowException as exc:
                    if exc.error_code != EXISTS:
                        raise
                    self._experiment_id = self.client.get_experiment_by_name(name).experiment_id  # type: ignore[union-attr]
            else:
                self._experiment_id = found.experiment_id
        return self._experiment_id

    def _set_status(
        self, tracking_id: str, run_id: str, status: str, attempt: int, reason: str | None, moment: int
    ) -> None:
        tags = {"visionyard.status": status, "visionyard.attempt": str(attempt)}
        if reason:
            tags["visionyard.reason"] = reason[:MAX_TAG]
        self._tag(tracking_id, tags)
        if status in mapping.TERMINAL:
            self._log_run_files(tracking_id, run_id)
        target = mapping.STATUSES[status]
        if target in ("FINISHED", "FAILED", "KILLED"):
            self.client.set_terminated(tracking_id, target, end_time=moment)
        else:
            self.client.update_run(tracking_id, status=target)

    def _log_run_files(self, tracking_id: str, run_id: str) -> None:
        folder = RunFolder.of(self.settings.runs_dir, run_id)
        files = [(folder.root / name, str(Path(name).parent) if "/" in name else None) for name in mapping.RUN_FILES]
        for path, artifact_path in [*files, (folder.best_ckpt, "checkpoints")]:
            try:
                if self._local(path).is_file():
                    self.client.log_artifact(tracking_id, str(path), artifact_path)
            except OSError as exc:
                if is_transient(exc):
                    raise
                log.warning("run %s: %s not logged to MLflow: %s", run_id, path.name, exc)

    def _local(self, path: Path) -> Path:
        """``path``, pulled from the artifact store first when it is not here (``VISIONYARD_STORAGE_URL``)."""
        return artifact_store(self.settings).ensure_local(path)

    def _tag(self, tracking_id: str, tags: dict[str, str]) -> None:
        entries = [RunTag(key, value) for key, value in tags.items()]
        for part in mapping.chunks(entries):
            self.client.log_batch(tracking_id, tags=part)

    # --- registry -----------------------------------------------------------------------------

    def _publish(self, name: str, version: ModelVersion) -> str | None:
        """Mirror one published version; returns its MLflow version number (None if it cannot be)."""
        if version.tracking_version:
            return version.tracking_version
        file = self.settings.registry_dir / name / str(version.version) / "model.ckpt"
        if not self._local(file).is_file():
            log.warning("model %s version %d: %s is missing; not mirrored", name, version.version, file)
            return None
        tracking_id = self._ensure(version.run_id)
        if tracking_id is None:
            log.warning("model %s version %d: its run %s is gone; not mirrored", name, version.version, version.run_id)
            return None
        self._registered_model(name)
        number = self._find_version(name, version)
        if number is None:
            artifact_path = f"registry/v{version.version}"
            self.client.log_artifact(tracking_id, str(file), artifact_path)
            source = f"{self.client.get_run(tracking_id).info.artifact_uri}/{artifact_path}"
            tags = {
                "visionyard.version": str(version.version),
                "visionyard.version_id": str(version.id),
                "visionyard.run_id": version.run_id,
                "visionyard.sha256": version.sha256,
            }
            created = self.client.create_model_version(
                name, source, run_id=tracking_id, tags=tags, description=version.description
            )
            number = str(created.version)
        with self.db.write() as session:
            session.execute(
                update(ModelVersion)
                .where(ModelVersion.id == version.id, ModelVersion.tracking_version.is_(None))
                .values(tracking_version=number)
            )
        return number

    def _registered_model(self, name: str) -> None:
        try:
            self.client.get_registered_model(name)
            return
        except MlflowException as exc:
            if exc.error_code != MISSING:
                raise
        with self.db.session() as session:
            model = session.scalar(select(TrainedModel).where(TrainedModel.name == name))
        tags = {"visionyard.task": model.task, "visionyard.model": model.model} if model else {}
        try:
            self.client.create_registered_model(name, tags=tags, description=model.description if model else None)
        except MlflowException as exc:
            if exc.error_code != EXISTS:
                raise

    def _find_version(self, name: str, version: ModelVersion) -> str | None:
        if "'" in name:
            return None
        found = self.client.search_model_versions(
            f"name = '{name}' and tags.`visionyard.version_id` = '{version.id}'", max_results=1
        )
        return str(found[0].version) if found else None

    def _alias(self, name: str, alias: str, to_version: int | None, actor: str | None) -> None:
        if to_version is None:
            try:
                self.client.delete_registered_model_alias(name, alias)
            except MlflowException as exc:
                if exc.error_code != MISSING:
                    raise
            return
        with self.db.session() as session:
            version = session.scalar(
                select(ModelVersion)
                .join(TrainedModel, TrainedModel.id == ModelVersion.model_id)
                .where(TrainedModel.name == name, ModelVersion.version == to_version)
            )
        if version is None:
            log.warning("alias %s of %s: version %s is gone; not mirrored", alias, name, to_version)
            return
        number = self._publish(name, version)
        if number is None:
            return
        self.client.set_registered_model_alias(name, alias, number)
        if actor:
            self.client.set_model_version_tag(name, number, f"visionyard.alias.{alias}.set_by", actor)
