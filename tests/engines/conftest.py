"""tests/engines need the local training extras (torch, transformers, peft); without them the
directory is not collected (scripts/bootstrap.sh --local installs them)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

collect_ignore_glob = (
    ["test_*.py"] if any(importlib.util.find_spec(m) is None for m in ("torch", "transformers", "peft")) else []
)


@pytest.fixture
def tok() -> Any:
    from tests.engines.tiny import tiny_tokenizer

    return tiny_tokenizer()


@pytest.fixture
def engine(tmp_path: Path) -> Any:
    from tests.engines.tiny import TinyEngine

    return TinyEngine(tmp_path)
