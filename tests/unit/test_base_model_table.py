"""cortex_provider/catalogue.py is the provider's one base-model table; the emulator (which stands for
Snowflake) keeps its own in cortex_local/cortex/base_models.py. Both are read from the same Snowflake
pages, so they must agree model for model."""

from __future__ import annotations

import pytest

from cortex_local.cortex import base_models as emulator
from cortex_provider import catalogue
from cortex_provider.resources.preflight import limits_for


@pytest.mark.parametrize("name", sorted(catalogue.MODELS))
def test_each_model_has_the_emulators_context_split_and_row_limit(name: str) -> None:
    ours, theirs = catalogue.MODELS[name], emulator.known(name)
    assert (ours.prompt_tokens, ours.completion_tokens, ours.rows_one_epoch) == (
        theirs.prompt_tokens, theirs.completion_tokens, theirs.rows_one_epoch)
    for epochs in (None, 1, 3, 10):
        assert ours.row_limit(epochs) == theirs.row_limit(epochs)


def test_the_same_models_are_current_and_accepted() -> None:
    current = {n for n in emulator.CATALOGUES["current"] if emulator.known(n).kind == emulator.LLM}
    assert set(catalogue.CURRENT) == current
    assert set(catalogue.ACCEPTED) == set(emulator.LLM_NAMES)
    assert {n for n in emulator.CATALOGUES["current"] if n not in current} == catalogue.DATASET_ONLY
    assert catalogue.DEFAULT_EPOCHS == emulator.DEFAULT_EPOCHS_FOR_LIMIT


def test_the_preflight_reads_the_catalogue() -> None:
    """llama3.1-70b: 6k prompt / 2k completion of an 8k window (a second table once said 12k/4k)."""
    lim = limits_for("LLAMA3.1-70B")
    assert lim is not None and (lim.prompt_tokens, lim.completion_tokens) == (6 * 1024, 2 * 1024)
    for name, m in catalogue.MODELS.items():
        got = limits_for(name)
        assert got is not None and (got.prompt_tokens, got.completion_tokens, got.data_bytes) == (
            m.prompt_tokens, m.completion_tokens, m.data_bytes)


@pytest.mark.parametrize("spelling", ["Llama3.1-8B", " LLAMA3.1-8B ", "llama3.1-8b"])
def test_every_spelling_of_a_base_model_is_its_canonical_name(spelling: str) -> None:
    assert catalogue.canonical(spelling) == "llama3.1-8b"


def test_a_never_fine_tunable_model_is_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="never fine-tunable"):
        catalogue.canonical("llama3.2-1b")
