"""The serve command: an unavailable engine stops startup with the engine's own message."""

from __future__ import annotations

import pytest

import cortex_local.__main__ as cli
from cortex_local.engines import EngineUnavailable


def test_unavailable_engine_exits_with_its_message(tmp_path, monkeypatch, capsys):
    def unavailable(name: str, data_dir: str, deferred: bool = False) -> None:
        raise EngineUnavailable(f"engine {name!r} needs the local training extras")

    monkeypatch.setattr(cli, "load_engine", unavailable)
    assert cli.main(["serve", "--data", str(tmp_path), "--engine", "lora"]) == 2
    assert "engine 'lora' needs the local training extras" in capsys.readouterr().err


def test_unknown_engine_is_rejected(tmp_path):
    with pytest.raises(SystemExit):
        cli.main(["serve", "--data", str(tmp_path), "--engine", "gpt-9"])


def test_missing_training_extras_are_named_before_the_server_starts(tmp_path, monkeypatch, capsys):
    """The lora engine loads in the background, but a missing extra still stops start-up at once."""
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "peft" else real_find_spec(name, *a))
    assert cli.main(["serve", "--data", str(tmp_path), "--engine", "lora"]) == 2
    err = capsys.readouterr().err
    assert "(peft is missing)" in err and "scripts/bootstrap.sh --local" in err
