"""What a run's Ray actor (and, over several nodes, each of its ranks) asks the cluster for, and what the
executor refuses before Ray would keep it waiting for ever. Pure functions: no cluster needed."""

from __future__ import annotations

import pytest

from visionyard.core import devices
from visionyard.scheduler.executors.ray_cluster import check_placeable, resources


def node(cpus: float, gpus: float = 0) -> dict:
    return {"Alive": True, "Resources": {"CPU": cpus, "GPU": gpus}}


def hardware(**fields) -> dict:
    return {"hardware": fields}


def test_a_run_on_one_node_asks_its_actor_for_its_devices():
    assert resources(hardware(devices=2), cluster_gpus=0) == {"num_gpus": 0, "num_cpus": 2}
    assert resources(hardware(devices=2), cluster_gpus=4) == {"num_gpus": 2, "num_cpus": 1}
    assert resources(hardware(accelerator="cpu", devices=2), cluster_gpus=4) == {"num_gpus": 0, "num_cpus": 2}


def test_a_run_over_nodes_leaves_the_devices_to_its_ranks():
    assert resources(hardware(devices=2, nodes=3), cluster_gpus=8) == {"num_gpus": 0, "num_cpus": 0}


def test_a_run_over_nodes_fits_when_the_cluster_holds_one_device_per_rank():
    config = hardware(devices=2, nodes=2)
    check_placeable(config, resources(config, 0), [node(2), node(3)])
    with pytest.raises(ValueError, match=r"4 ranks \(2 devices on each of 2 nodes\).*holds 3 ranks of one CPU"):
        check_placeable(config, resources(config, 0), [node(2), node(1.5)])
    on_gpus = hardware(devices=2, nodes=2, accelerator="cuda")
    with pytest.raises(ValueError, match="holds 2 ranks of one GPU"):
        check_placeable(on_gpus, resources(on_gpus, 2), [node(8, gpus=1), node(8, gpus=1)])


def test_a_run_on_one_node_needs_a_node_that_holds_it_all():
    config = hardware(devices=3)
    with pytest.raises(ValueError, match=r"no node of the cluster has 0 GPUs and 3 CPUs.*hardware\.nodes"):
        check_placeable(config, resources(config, 0), [node(2), node(2)])


def test_auto_placement_sends_a_run_over_nodes_to_the_cluster():
    assert devices.fits_here(hardware(devices=1), pool=[])
    assert not devices.fits_here(hardware(devices=1, nodes=2), pool=[])
