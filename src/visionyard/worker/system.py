"""System samples of a worker: CPU, memory, disk and data-loader workers (psutil), and per assigned GPU
utilisation, memory, temperature and power (NVML, where a GPU and its driver are there)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import psutil

log = logging.getLogger("visionyard.worker")


class GpuProbe:
    """NVML readings of the given GPUs: host indexes or GPU UUIDs (a unique prefix will do, as for CUDA);
    none where NVML cannot start, and NVML is not started for no GPU."""

    def __init__(self, selectors: list[int | str]):
        import pynvml

        self.nvml = pynvml
        self.handles: list[tuple[int, Any]] = []
        self.started = False
        if not selectors:
            return
        try:
            pynvml.nvmlInit()
        except pynvml.NVMLError:
            return
        self.started = True
        for selector in selectors:
            handle = self._find(selector)
            if handle is None:
                log.warning("GPU %s not found by NVML: not sampled", selector)
            else:
                self.handles.append((pynvml.nvmlDeviceGetIndex(handle), handle))

    def _find(self, selector: int | str) -> Any:
        nvml = self.nvml
        if isinstance(selector, int):
            return nvml.nvmlDeviceGetHandleByIndex(selector) if selector < nvml.nvmlDeviceGetCount() else None
        every = (nvml.nvmlDeviceGetHandleByIndex(i) for i in range(nvml.nvmlDeviceGetCount()))
        matching = [handle for handle in every if nvml.nvmlDeviceGetUUID(handle).startswith(selector)]
        return matching[0] if len(matching) == 1 else None

    def read(self) -> list[dict[str, Any]]:
        nvml, readings = self.nvml, []
        for index, handle in self.handles:
            memory = nvml.nvmlDeviceGetMemoryInfo(handle)
            readings.append(
                {
                    "index": index,
                    "utilization_percent": nvml.nvmlDeviceGetUtilizationRates(handle).gpu,
                    "memory_used_bytes": memory.used,
                    "memory_total_bytes": memory.total,
                    "temperature_c": nvml.nvmlDeviceGetTemperature(handle, nvml.NVML_TEMPERATURE_GPU),
                    "power_w": round(nvml.nvmlDeviceGetPowerUsage(handle) / 1000, 1),
                }
            )
        return readings

    def close(self) -> None:
        if self.started:
            self.nvml.nvmlShutdown()


class SystemSampler(threading.Thread):
    """Every ``interval`` seconds, one sample to ``record`` (a failure is logged once and sampling goes on)."""

    def __init__(self, record: Callable[[dict[str, Any]], None], interval: float, gpus: list[int | str]):
        super().__init__(name="system-sampler", daemon=True)
        self.record, self.interval, self.gpus = record, interval, gpus
        self.me = psutil.Process()
        self._halt = threading.Event()
        self._disk: tuple[float, Any] | None = None
        self._known: dict[int, psutil.Process] = {}
        """Children by pid: psutil measures a process's CPU share since the last call on the same object."""

    def run(self) -> None:
        gpus = GpuProbe(self.gpus)
        failing = False
        self._cpu_percent()  # the first calls only start psutil's counters
        psutil.cpu_percent()
        try:
            while not self._halt.wait(self.interval):
                try:
                    self.record(self.sample(gpus))
                    failing = False
                except Exception as exc:
                    if not failing:
                        log.warning("system sample not recorded: %s", exc)
                    failing = True
        finally:
            gpus.close()

    def sample(self, gpus: GpuProbe) -> dict[str, Any]:
        memory = psutil.virtual_memory()
        children = self._children()
        sample: dict[str, Any] = {
            "process_cpu_percent": round(self._cpu_percent(children), 1),
            "host_cpu_percent": psutil.cpu_percent(),
            "process_rss_bytes": sum(_rss(p) for p in [self.me, *children]),
            "host_memory_used_bytes": memory.total - memory.available,
            "host_memory_total_bytes": memory.total,
            "loader_workers_alive": len(children),
            **self._disk_rates(),
        }
        if readings := gpus.read():
            sample["gpus"] = readings
        return sample

    def halt(self) -> None:
        self._halt.set()

    def _children(self) -> list[psutil.Process]:
        try:
            found = self.me.children(recursive=True)
        except psutil.Error:
            return []
        self._known = {p.pid: self._known.get(p.pid, p) for p in found}
        return list(self._known.values())

    def _cpu_percent(self, children: list[psutil.Process] | None = None) -> float:
        total = self.me.cpu_percent()
        for child in children or []:
            try:
                total += child.cpu_percent()
            except psutil.Error:
                continue
        return total

    def _disk_rates(self) -> dict[str, float]:
        """Host disk reads and writes per second since the last sample (nothing where the host has no counters)."""
        counters, now = psutil.disk_io_counters(), time.monotonic()
        if counters is None:
            return {}
        last, self._disk = self._disk, (now, counters)
        if last is None:
            return {}
        seconds = max(now - last[0], 1e-6)
        return {
            "disk_read_bytes_per_s": round((counters.read_bytes - last[1].read_bytes) / seconds),
            "disk_write_bytes_per_s": round((counters.write_bytes - last[1].write_bytes) / seconds),
        }


def _rss(process: psutil.Process) -> int:
    try:
        return process.memory_info().rss
    except psutil.Error:
        return 0
