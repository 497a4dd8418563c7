"""The Pulumi resources take their specs' fields as arguments (one definition: the spec), and a spec's
field errors all read '<problem>. Fix: <fix>'."""

from __future__ import annotations

from pathlib import Path
from types import UnionType
from typing import Any, Literal, Required, Union, get_args, get_origin

import pytest
from mypy import api as mypy_api
from pydantic import BaseModel, ValidationError

from cortex_provider.pulumi.base import spec_inputs
from cortex_provider.pulumi.keyword_args import FineTunedModelKwargs, ModelReleaseKwargs
from cortex_provider.resources.finetune.spec import FineTunedModelSpec
from cortex_provider.resources.release.spec import ModelReleaseSpec

RENAME = {"model_name": "name"}
ROOT = Path(__file__).resolve().parents[2]


def test_every_spec_field_is_an_argument_and_maps_to_its_input() -> None:
    args = {("model_name" if f == "name" else f): f"v-{f}" for f in FineTunedModelSpec.model_fields}
    assert spec_inputs(FineTunedModelSpec, "FineTunedModel", args, RENAME) == {
        f: f"v-{f}" for f in FineTunedModelSpec.model_fields}


def test_an_unknown_argument_names_itself_and_the_accepted_ones() -> None:
    with pytest.raises(TypeError, match=r"FineTunedModel\(\) got unexpected argument\(s\) max_epochs; "
                                        r"it accepts model_name, database"):
        spec_inputs(FineTunedModelSpec, "FineTunedModel", {"model_name": "M", "base_model": "llama3.1-8b",
                                                           "training_query": "SELECT 1", "max_epochs": 2}, RENAME)
    with pytest.raises(TypeError, match="unexpected argument"):  # the field's own name is not an argument
        spec_inputs(FineTunedModelSpec, "FineTunedModel", {"name": "M"}, RENAME)


def test_a_missing_required_argument_is_named() -> None:
    with pytest.raises(TypeError, match=r"missing required argument.*training_query"):
        spec_inputs(ModelReleaseSpec, "ModelRelease", {"name": "DB.S.E", "base_model": "llama3.1-8b"})


@pytest.mark.parametrize(("spec", "data"), [
    (FineTunedModelSpec, {"name": "DB.S.M", "base_model": "llama3.1-8b", "training_query": "DROP TABLE T"}),
    (ModelReleaseSpec, {"name": "DB.S.E", "base_model": "llama3.1-8b", "training_query": "SELECT 1",
                        "usage_roles": ['"unclosed']}),
    (ModelReleaseSpec, {"name": "DB.S.E", "base_model": "llama3.1-8b", "training_query": "SELECT 1",
                        "serving": "latest-ish"}),
    (FineTunedModelSpec, {"name": "M", "base_model": "llama3.1-8b", "training_query": "SELECT 1"}),
    (FineTunedModelSpec, {"name": "DB.S.M", "base_model": "llama3.1-8b", "training_query": "SELECT 1",
                          "options": {"learning_rate": 1}}),
    (FineTunedModelSpec, {"name": "DB.S.M", "base_model": "llama3.1-8b", "training_query": "SELECT 1",
                          "options": {"max_epochs": True}}),
    (ModelReleaseSpec, {"name": "DB.S.E", "base_model": "llama3.1-8b", "training_query": "SELECT 1", "wait": "none"}),
])
def test_field_errors_share_one_style(spec: type[FineTunedModelSpec | ModelReleaseSpec], data: dict[str, str]) -> None:
    with pytest.raises(ValidationError) as info:
        spec.model_validate(data)
    message = info.value.errors()[0]["msg"]
    assert ". Fix: " in message and "; fix:" not in message


# -- the typed keyword arguments (pulumi/keyword_args.py) cannot drift from the specs ----------------

def _arg_fields(args: type, rename: dict[str, str]) -> dict[str, Any]:
    """Each argument's type (TypedDict gathers its bases' annotations), Required[...] unwrapped."""
    hints = dict(args.__annotations__)
    return {rename.get(k, k): get_args(h)[0] if get_origin(h) is Required else h for k, h in hints.items()}


def _flat(hint: Any) -> set[Any]:
    """The members of a (nested) union: `pulumi.Input[str] | None` is {str, Awaitable[str], Output[str], None}."""
    if get_origin(hint) in (Union, UnionType):
        return set().union(*(_flat(a) for a in get_args(hint)))
    return {hint}


@pytest.mark.parametrize(("spec", "args", "rename"), [
    (FineTunedModelSpec, FineTunedModelKwargs, RENAME),
    (ModelReleaseSpec, ModelReleaseKwargs, {}),
])
def test_the_typed_arguments_are_the_spec_fields(spec: type[BaseModel], args: type, rename: dict[str, str]) -> None:
    """Same names, the same required ones, None allowed where the spec allows it, and the spec's scalar
    type (str, int, float, bool, a Literal) accepted as the argument's input type."""
    fields = _arg_fields(args, rename)
    assert sorted(fields) == sorted(spec.model_fields)
    required = {rename.get(k, k) for k in args.__required_keys__}  # type: ignore[attr-defined]
    assert required == {f for f, info in spec.model_fields.items() if info.is_required()}
    for name, info in spec.model_fields.items():
        spec_types = _flat(info.annotation)
        assert (type(None) in spec_types) == (type(None) in _flat(fields[name])), name
        for t in spec_types:
            if t in (str, int, float, bool) or get_origin(t) is Literal:
                assert t in _flat(fields[name]), f"{name}: {t} is no accepted input type"


def test_a_field_added_to_a_spec_fails_the_check() -> None:
    """The check above can fail: a spec with one more field than the arguments is caught."""

    class Wider(ModelReleaseSpec):
        extra_field: str = "x"

    with pytest.raises(AssertionError):
        test_the_typed_arguments_are_the_spec_fields(Wider, ModelReleaseKwargs, {})


PROGRAM = """\
import cortex_provider as cortex

cortex.FineTunedModel("m", model_name="DB.S.M", base_model="llama3.1-8b", training_query="SELECT 1", max_epoch=2)
cortex.FineTunedModel("m", model_name="DB.S.M", base_model="llama3.1-8b", training_query="SELECT 1", wait="succeded")
cortex.ModelRelease("r", name="DB.S.E", base_model="llama3.1-8b", trainig_query="SELECT 1")
cortex.ModelRelease("r", name="DB.S.E", base_model="llama3.1-8b")
cortex.FineTunedModel("m", model_name="DB.S.M", base_model="llama3.1-8b", training_query="SELECT 1",
                      retrain_on="spec", options={"max_epochs": 2}, timeout_minutes=5)
cortex.ModelRelease("r", name="DB.S.E", base_model="llama3.1-8b", training_query="SELECT 1", keep=None,
                    gate={"eval_query": "SELECT 1", "metric": "exact_match"}, usage_roles=["APP"])
"""


def test_mypy_flags_a_misspelt_or_mistyped_argument(tmp_path: Path) -> None:
    """A program's type checker sees the spec's fields: a misspelt name, a wrong Literal or a missing
    required argument is an error on its line; the well-formed calls pass."""
    program = tmp_path / "program.py"
    program.write_text(PROGRAM)
    out, _, _ = mypy_api.run(["--strict", "--no-error-summary", "--cache-dir", str(tmp_path / "cache"), str(program)])
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert 'program.py:3: error: Unexpected keyword argument "max_epoch" for "FineTunedModel"' in out, out
    assert 'program.py:4: error: Argument "wait" to "FineTunedModel" has incompatible type' in out, out
    assert ('program.py:5: error: Unexpected keyword argument "trainig_query" for "ModelRelease"; did you mean '
            '"training_query"?') in out, out
    assert 'program.py:6: error: Missing named argument "training_query" for "ModelRelease"' in out, out
    assert {line.split(":")[1] for line in errors} == {"3", "4", "5", "6"}, out
