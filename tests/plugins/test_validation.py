from __future__ import annotations

import pytest

from visionyard.plugins.schema import ConfigField, ConfigSchema
from visionyard.plugins.validation import ConfigError, resolve_config

SCHEMA = ConfigSchema(
    fields=(
        ConfigField(name="depth", type="int", default=3, min=1, max=6),
        ConfigField(name="act", type="select", default="relu", options=("relu", "gelu")),
        ConfigField(name="layers", type="multiselect", default=["l1"], options=("l1", "l2")),
        ConfigField(name="token", type="str", required=True),
    ),
    presets={"deep": {"model.depth": 6, "epochs": 20, "optimizer": {"type": "sgd"}}},
)


def problems(user: dict, preset: str | None = None) -> dict[str, str]:
    with pytest.raises(ConfigError) as info:
        resolve_config(SCHEMA, user, preset)
    return {p.path: p.reason for p in info.value.problems}


def test_defaults_fill_everything_and_the_result_is_plain_data():
    config = resolve_config(SCHEMA, {"model": {"token": "x"}})
    assert config["epochs"] == 10
    assert config["optimizer"] == {
        "type": "adamw",
        "weight_decay": 1e-4,
        "momentum": 0.9,
        "nesterov": False,
        "betas": [0.9, 0.999],
        "amsgrad": False,
    }
    assert config["model"] == {"depth": 3, "act": "relu", "layers": ["l1"], "token": "x"}


def test_every_problem_comes_back_with_its_path_and_reason():
    found = problems(
        {
            "epochs": "ten",
            "lr": 50,
            "optimizer": {"type": "lion", "colour": 1},
            "model": {"depth": 9, "act": "tanh", "layers": ["l3"]},
        }
    )
    assert "valid integer" in found["epochs"] and "'ten'" in found["epochs"]
    assert "less than or equal to 10" in found["lr"]
    assert "'adam'" in found["optimizer.type"] and "'lion'" in found["optimizer.type"]
    assert found["optimizer.colour"] == "unknown key"
    assert "less than or equal to 6" in found["model.depth"]
    assert "'relu' or 'gelu'" in found["model.act"]
    assert "model.layers.0" in found
    assert found["model.token"] == "required field is missing"


def test_preset_merges_under_user_values_and_dotted_keys_expand():
    config = resolve_config(SCHEMA, {"model.token": "t", "epochs": 3, "optimizer.momentum": 0.5}, preset="deep")
    assert config["epochs"] == 3
    assert config["model"]["depth"] == 6
    assert config["optimizer"]["type"] == "sgd" and config["optimizer"]["momentum"] == 0.5


def test_unknown_preset_names_the_choices():
    assert problems({"model.token": "t"}, preset="huge") == {"preset": "unknown preset 'huge'; choose from deep"}


def test_cross_field_rules_are_reported():
    found = problems({"model.token": "t", "epochs": 3, "scheduler": {"warmup_epochs": 3}})
    assert "warmup_epochs must be smaller than epochs" in found[""]


def test_a_field_whose_default_breaks_its_own_bounds_is_refused():
    with pytest.raises(ValueError, match="default 9 is invalid"):
        ConfigField(name="depth", type="int", default=9, max=6)
    with pytest.raises(ValueError, match="needs options"):
        ConfigField(name="act", type="select", default="relu")
