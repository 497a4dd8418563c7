"""The serve command: an unavailable engine stops startup with the engine's own message."""

from __future__ import annotations

import pytest

import cortex_local.__main__ as cli
from cortex_local.engines import EngineUnavailable


def test_unavailable_engine_exits_with_its_message(tmp_path, monkeypatch, capsys):
    def unavailable(name: str, data_dir: str) -> None:
        raise EngineUnavailable(f"engine {name!r} needs the local training extras")

    monkeypatch.setattr(cli, "load_engine", unavailable)
    assert cli.main(["serve", "--data", str(tmp_path), "--engine", "lora"]) == 2
    assert "engine 'lora' needs the local training extras" in capsys.readouterr().err


def test_unknown_engine_is_rejected(tmp_path):
    with pytest.raises(SystemExit):
        cli.main(["serve", "--data", str(tmp_path), "--engine", "gpt-9"])
