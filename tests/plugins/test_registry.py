from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.helpers import ROOT
from visionyard.plugins.catalog import PluginCatalog, Scanned, UnknownModelError, _read_events
from visionyard.plugins.discovery import Source

GOOD = """
from torch import nn
from visionyard.sdk import ConfigField, ConfigSchema, ModelMetadata, TorchModuleClassifier
from .layers import width

class Tiny(TorchModuleClassifier):
    @classmethod
    def metadata(cls):
        return ModelMetadata(name="tiny_folder", task_type="classification", framework="custom")

    @classmethod
    def config_schema(cls):
        return ConfigSchema(fields=(ConfigField(name="width", type="int", default=width(), min=1, max=64),))

    def create_model(self):
        return nn.Sequential(nn.Flatten(), nn.LazyLinear(self.num_classes))
"""


def write_plugin(models: Path, name: str, code: str, **extra: str) -> None:
    folder = models / name
    folder.mkdir(parents=True)
    (folder / "model.py").write_text(textwrap.dedent(code))
    for filename, text in extra.items():
        (folder / filename).write_text(text)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> PluginCatalog:
    models = tmp_path_factory.mktemp("models")
    write_plugin(models, "good", GOOD, **{"layers.py": "def width():\n    return 8\n"})
    write_plugin(models, "raises", "raise RuntimeError('boom at import')\n")
    write_plugin(models, "hangs", "import time\ntime.sleep(600)\n")
    write_plugin(models, "segfaults", "import ctypes\nctypes.string_at(0)\n")
    write_plugin(models, "not_a_plugin", "X = 1\n")
    write_plugin(
        models,
        "abstract",
        "from visionyard.sdk import TorchModuleClassifier, ModelMetadata\n"
        "class Half(TorchModuleClassifier):\n"
        "    @classmethod\n"
        "    def metadata(cls):\n"
        "        return ModelMetadata(name='half', task_type='classification')\n",
    )
    write_plugin(models, "zz_dupe", GOOD.replace("from .layers import width", "width = lambda: 4"))
    return PluginCatalog.discover(models, cache_dir=None, import_timeout=15)


def test_good_plugins_are_listed_with_filters(catalog: PluginCatalog):
    names = {e.name for e in catalog.list()}
    assert {"resnet18", "mobilenet_v3_small", "efficientnet_b0", "small_cnn", "tiny_folder"} <= names
    assert {e.name for e in catalog.list(framework="timm")} == {"efficientnet_b0"}
    assert {e.name for e in catalog.list(task="segmentation")} == {"lraspp_mobilenet_v3", "unet"}
    tiny = catalog.get("tiny_folder")
    assert tiny.config_schema is not None and tiny.config_schema.fields[0].default == 8


def test_broken_plugins_are_listed_with_their_error(catalog: PluginCatalog):
    broken = {e.source.label: e.error for e in catalog.broken()}
    assert "boom at import" in broken["raises"]
    assert "did not finish within 15 s" in broken["hangs"]
    assert "SIGSEGV" in broken["segfaults"]
    assert "no concrete ModelPlugin" in broken["not_a_plugin"]
    assert "no concrete ModelPlugin" in broken["abstract"]
    assert "already taken" in broken["zz_dupe"]


def test_unknown_model_names_close_matches(catalog: PluginCatalog):
    with pytest.raises(UnknownModelError, match="did you mean resnet18"):
        catalog.get("resnet81")


def test_a_folder_plugin_loads_in_process_with_its_sibling_modules(catalog: PluginCatalog):
    cls = catalog.load_class("tiny_folder")
    assert cls.config_schema().fields[0].default == 8


def test_cache_is_reused_and_refreshed_on_change(tmp_path: Path):
    models = tmp_path / "models"
    write_plugin(models, "good", GOOD, **{"layers.py": "def width():\n    return 8\n"})
    first = PluginCatalog.discover(models, cache_dir=tmp_path / "cache")
    assert (tmp_path / "cache" / "plugins.json").is_file()
    assert first.get("tiny_folder").config_schema.fields[0].default == 8
    (models / "good" / "layers.py").write_text("def width():\n    return 16\n")
    again = PluginCatalog.discover(models, cache_dir=tmp_path / "cache")
    assert again.get("tiny_folder").config_schema.fields[0].default == 16


def test_example_package_installs_with_pip_and_registers_through_its_entry_point(tmp_path: Path):
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(ROOT / "examples" / "visionyard-example-plugin"),
        ],
        check=True,
        timeout=300,
    )
    listing = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]);"
            "from visionyard.plugins.catalog import PluginCatalog;"
            "r = PluginCatalog.discover(None); e = r.get('tiny_mlp');"
            "print(e.source.kind, e.metadata.framework, [f.name for f in e.config_schema.fields])",
            str(target),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
        env={"PYTHONPATH": str(target), "PATH": ""},
    )
    assert listing.stdout.strip() == "entry_point custom ['hidden', 'dropout']"


def test_events_that_arrive_together_are_all_read_before_a_hang_is_blamed():
    """A loaded machine delivers several event lines in one read: the plugin that hangs is the one
    begun last, not one whose end sits in the same read."""
    first, second = (Source(kind="folder", ref=f"/plugins/{n}", label=n) for n in ("first", "second"))
    lines = "".join(
        json.dumps({"event": e, "source": s.id}) + "\n"
        for e, s in [("begin", first), ("end", first), ("begin", second)]
    )
    script = f"import sys, time\nsys.stdout.write({lines!r})\nsys.stdout.flush()\ntime.sleep(60)\n"
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        reading = _read_events(proc, [first, second], timeout=1.0, found=Scanned())
        assert reading == (1, "import did not finish within 1 s")
    finally:
        proc.kill()
        proc.wait()
