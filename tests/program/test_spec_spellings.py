"""`cortex:spec` accepts every spelling of the same model alike: base models in any case, and options
left out, `null` or spelled out as the default (`options: {}` is different: max_epochs unset)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cortex_provider import catalogue
from cortex_provider.program.spec import parse_stack_spec


def _stack(model: dict[str, Any], release: dict[str, Any]) -> dict[str, Any]:
    return {"database": "D", "schema": "S",
            "training_views": [{"name": "V", "query": "SELECT a AS prompt, b AS completion FROM t"}],
            "models": [{"name": "M", "training_view": "V", **model}],
            "releases": [{"name": "R", "training_view": "V", **release}]}


def _cased(draw: Any, text: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.upper() if f else c for c, f in zip(text, flips, strict=True))


@given(st.data(), st.sampled_from(catalogue.ACCEPTED))
@settings(max_examples=40, deadline=None)
def test_base_model_case_and_default_options_parse_alike(data: st.DataObject, base: str) -> None:
    def entry() -> dict[str, Any]:
        options = data.draw(st.sampled_from(["omit", None, {"max_epochs": 1}]))
        return {"base_model": _cased(data.draw, base), **({} if options == "omit" else {"options": options})}

    first = parse_stack_spec(_stack(entry(), entry()), "x.yaml")
    again = parse_stack_spec(_stack(entry(), entry()), "x.yaml")
    assert first == again
    assert first.models[0].base_model == base and first.models[0].options == {"max_epochs": 1}
    assert first.releases[0].base_model == base and first.releases[0].options == {"max_epochs": 1}


def test_empty_options_leave_max_epochs_to_snowflake() -> None:
    spec = parse_stack_spec(_stack({"base_model": "Llama3.1-8B", "options": {}}, {"base_model": "llama3.1-8b"}),
                            "x.yaml")
    assert spec.models[0].options == {} and spec.models[0].base_model == "llama3.1-8b"
