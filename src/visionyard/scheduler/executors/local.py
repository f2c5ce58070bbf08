"""The local executor: each worker a child process of the server on this host, in its own session
(so it outlives a killed server and the next server adopts it)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from visionyard.config import Settings
from visionyard.db.models import Job, Run
from visionyard.scheduler.executors import processes
from visionyard.scheduler.executors.base import Exit, Kind


class LocalExecutor:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.children: dict[tuple[Kind, str], subprocess.Popen[bytes]] = {}

    def launch(self, kind: Kind, item: Run | Job, log_file: Path) -> None:
        command = "worker" if kind == "run" else "job"
        self.children[(kind, item.id)] = processes.start_worker(self.settings, item.id, log_file, command)

    def exits(self) -> list[Exit]:
        ended = []
        for (kind, item_id), proc in list(self.children.items()):
            code = proc.poll()
            if code is not None:
                del self.children[(kind, item_id)]
                ended.append(Exit(kind, item_id, processes.describe_exit(code)))
        return ended

    def launched(self, kind: Kind) -> set[str]:
        return {item_id for (k, item_id) in self.children if k == kind}

    def alive(self, item: Run | Job) -> bool:
        return processes.alive(item.worker_pid, item.worker_host, item.worker_started)

    def placing(self, run: Run) -> bool:
        return False  # a process starts at once

    def adopt(self, item: Run | Job) -> bool:
        return self.alive(item)  # not our child: its heartbeat tells when it ends

    def release_strays(self) -> list[str]:
        return []  # a local worker ends with its run

    def kill(self, item: Run | Job) -> None:
        if self.alive(item):
            assert item.worker_pid is not None
            processes.kill_tree(item.worker_pid)
