"""Published weights fetched for ``pretrained=true`` from a real local HTTP server standing in for the publishers
(``VISIONYARD_WEIGHTS_MIRROR``): torch hub's files with the hash in their names, timm's on the Hugging Face Hub with
the hash the Hub gives, Ultralytics' release assets with none (fetched only with ``trust_checkpoint``). The hash
checked, a dropped connection tried again, nothing partial kept."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from tests.engine.publishers import TORCH_HUB, Publisher
from tests.helpers import TINY
from visionyard.config import Settings
from visionyard.engine.adapters.classification import timm_weight_sources
from visionyard.engine.adapters.ultralytics import ASSETS
from visionyard.engine.downloads import DownloadFailed, download
from visionyard.engine.weights import Downloads, PretrainedWeightsMissing, find_pretrained, read_state_dict
from visionyard.plugins.catalog import PluginCatalog
from visionyard.plugins.schema import WeightSource
from visionyard.services.runs import prepare_run
from visionyard.worker.execute import execute_run

HUB_REPO = "timm/efficientnet_b0.ra_in1k"
HUB_PATH = f"/{HUB_REPO}/resolve/main/model.safetensors"


def safetensors_bytes() -> bytes:
    from safetensors.torch import save

    return save({"conv_stem.weight": torch.arange(6.0).reshape(2, 3)})


def weights_bytes() -> bytes:
    buffer = io.BytesIO()
    torch.save({"layer.weight": torch.arange(6.0).reshape(2, 3), "layer.bias": torch.zeros(2)}, buffer)
    return buffer.getvalue()


def test_pretrained_weights_are_fetched_once_with_their_hash_checked(publisher: Publisher, tmp_path: Path):
    source = publisher.publish("tinynet", weights_bytes())
    assert source.sha256 and source.filename.startswith("tinynet-")
    found = find_pretrained("tinynet", None, tmp_path, [], [source], Downloads(True, publisher.url))
    assert found == tmp_path / source.filename
    assert torch.equal(read_state_dict(found)["layer.weight"], torch.arange(6.0).reshape(2, 3))
    again = find_pretrained("tinynet", None, tmp_path, [], [source], Downloads(True, publisher.url))
    assert again == found and len(publisher.requests) == 1  # the checked file is used, not fetched again


def test_a_file_that_is_not_the_publishers_is_not_kept(publisher: Publisher, tmp_path: Path):
    source = publisher.publish("tinynet", weights_bytes(), hash_of=b"something else")
    with pytest.raises(DownloadFailed, match="is not the publisher's"):
        download(source, tmp_path, publisher.url)
    assert list(tmp_path.iterdir()) == [] and len(publisher.requests) == 1  # not tried again, nothing left


def test_a_dropped_connection_is_tried_again_and_never_leaves_a_partial_file(publisher: Publisher, tmp_path: Path):
    source = publisher.publish("tinynet", weights_bytes())
    path = source.url.removeprefix(TORCH_HUB)
    publisher.drops[path] = 1
    assert download(source, tmp_path, publisher.url).read_bytes() == weights_bytes()
    assert len(publisher.requests) == 2

    other = tmp_path / "other"
    publisher.drops[path] = 10
    with pytest.raises(Exception, match=r"connection|peer closed|incomplete"):
        download(source, other, publisher.url)
    assert not other.exists() or list(other.iterdir()) == []


def test_without_downloads_the_error_says_where_to_put_the_file(publisher: Publisher, tmp_path: Path):
    source = publisher.publish("tinynet", weights_bytes())
    with pytest.raises(PretrainedWeightsMissing, match="downloads are off") as missing:
        find_pretrained("tinynet", None, tmp_path, [], [source], Downloads(False))
    assert str(tmp_path / source.filename) in str(missing.value) and publisher.requests == []
    with pytest.raises(PretrainedWeightsMissing, match="names no published weights"):
        find_pretrained("tinynet", None, tmp_path, [], [], Downloads(True, publisher.url))


def test_a_torchvision_run_fetches_its_published_weights_through_the_mirror(
    publisher: Publisher, tmp_path: Path, catalog: PluginCatalog, tiny_dataset: Path
):
    """resnet18's own source (torchvision's URL and hash); the stand-in serves other bytes, so the run fails
    with the publisher's hash named, having asked the mirror for torchvision's file."""
    publisher.files["/models/resnet18-f37072fd.pth"] = weights_bytes()
    settings = Settings(home=tmp_path, allow_downloads=True, weights_mirror=publisher.url)
    config = {**TINY, "pretrained": True}
    prepared = prepare_run(settings, catalog, "resnet18", str(tiny_dataset), config)
    outcome = execute_run(replace(prepared, progress=False), settings, catalog)
    assert publisher.requests == ["GET /models/resnet18-f37072fd.pth"]
    assert outcome.status == "failed" and not outcome.retryable
    assert "is not the publisher's (f37072fd...)" in (outcome.error or "")
    assert list(settings.weights_dir.iterdir()) == []


def test_timm_weights_come_from_the_hub_with_the_sha256_it_publishes(publisher: Publisher, tmp_path: Path):
    """The Hub answers a resolve URL with a redirect to its CDN and the file's SHA-256 as ``X-Linked-Etag``; the
    hash is read from there (huggingface_hub's ``get_hf_file_metadata``) and the bytes checked against it."""
    [source] = timm_weight_sources("efficientnet_b0")
    assert source.url == f"https://huggingface.co{HUB_PATH}" and source.hub_hash and source.sha256 is None
    cdn = publisher.publish_on_hub(HUB_REPO, "model.safetensors", safetensors_bytes())
    found = find_pretrained("efficientnet_b0", None, tmp_path, [], [source], Downloads(True, publisher.url))
    assert found == tmp_path / "timm--efficientnet_b0.ra_in1k--model.safetensors"
    assert torch.equal(read_state_dict(found)["conv_stem.weight"], torch.arange(6.0).reshape(2, 3))
    assert publisher.requests == [f"HEAD {HUB_PATH}", f"GET {HUB_PATH}", f"GET {cdn}"]
    assert find_pretrained("efficientnet_b0", None, tmp_path, [], [source], Downloads(True, publisher.url)) == found
    assert len(publisher.requests) == 3  # kept once checked: the Hub is not asked again


def test_a_hub_file_that_is_not_what_the_hub_publishes_is_not_kept(publisher: Publisher, tmp_path: Path):
    [source] = timm_weight_sources("efficientnet_b0")
    cdn = publisher.publish_on_hub(HUB_REPO, "model.safetensors", safetensors_bytes(), sha256="ab" * 32)
    with pytest.raises(DownloadFailed, match=r"is not the publisher's \(abababab"):
        download(source, tmp_path, publisher.url)
    assert list(tmp_path.iterdir()) == []
    assert publisher.requests == [f"HEAD {HUB_PATH}", f"GET {HUB_PATH}", f"GET {cdn}"]  # not tried again


def test_a_dropped_connection_to_the_hub_is_tried_again_and_never_leaves_a_partial_file(
    publisher: Publisher, tmp_path: Path
):
    [source] = timm_weight_sources("efficientnet_b0")
    cdn = publisher.publish_on_hub(HUB_REPO, "model.safetensors", safetensors_bytes())
    publisher.drops[cdn] = 1
    assert download(source, tmp_path, publisher.url).read_bytes() == safetensors_bytes()
    assert publisher.requests.count(f"GET {cdn}") == 2

    other = tmp_path / "other"
    publisher.drops[cdn] = 10
    with pytest.raises(Exception, match=r"connection|peer closed|incomplete"):
        download(source, other, publisher.url)
    assert not other.exists() or list(other.iterdir()) == []


def test_a_file_published_without_a_hash_is_fetched_only_when_trusted(publisher: Publisher, tmp_path: Path):
    """Ultralytics publishes no hash for its release assets: nothing is asked of GitHub without
    ``trust_checkpoint``, and the error says how to opt in."""
    path = publisher.publish_asset("yolo11n.pt", weights_bytes())
    source = WeightSource(f"{ASSETS}/yolo11n.pt")
    assert source.url == f"https://github.com{path}"
    with pytest.raises(DownloadFailed, match=r"publisher gives no hash.*only with trust_checkpoint=true"):
        find_pretrained("yolo11n", None, tmp_path, [], [source], Downloads(True, publisher.url))
    assert publisher.requests == [] and list(tmp_path.iterdir()) == []
    found = find_pretrained("yolo11n", None, tmp_path, [], [source], Downloads(True, publisher.url), trust=True)
    assert found == tmp_path / "yolo11n.pt" and found.read_bytes() == weights_bytes()
    assert publisher.requests == [f"GET {path}"]
