"""The one ``key=value`` parser of the CLI (``--set`` and ``--option``)."""

from __future__ import annotations

import pytest
import typer

from visionyard.cli.common import parse_pairs


def test_values_parse_as_yaml_scalars_and_lists_and_text_stays_text():
    pairs = ["lr=0.1", "augmentation.enabled=false", "preprocessing.mean=[0.5,0.5,0.5]", "opset=13", "name=abc"]
    assert parse_pairs(pairs, "--set") == {
        "lr": 0.1,
        "augmentation.enabled": False,
        "preprocessing.mean": [0.5, 0.5, 0.5],
        "opset": 13,
        "name": "abc",
    }


@pytest.mark.parametrize("item", ["lr", "=3", "mean=[1,"])
def test_a_pair_that_is_not_key_value_is_one_error_line(item: str, capsys: pytest.CaptureFixture[str]):
    with pytest.raises(typer.Exit) as exit_info:
        parse_pairs([item], "--option")
    assert exit_info.value.exit_code == 2 and "--option" in capsys.readouterr().err
