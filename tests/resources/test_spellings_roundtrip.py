"""No wedges: for every resource kind, inputs in any valid spelling round-trip.

Pulumi runs check(news) -> create/read store outputs -> the next run's check(news') -> diff(id, outputs,
news'). Both sides reach diff through the SDK's deserializer, which drops mapping keys whose value is
None (`wire_form`). For generated valid specs written in one spelling and re-written in any equivalent
one (omitted / {} / null / defaults spelled out, identifier case, quoted upper-case identifiers, base
model case, list order and duplicates), the diff must be empty: otherwise the second `up` plans a change
(for a model: a retrain, refused as a ModelConflict -- the stack is wedged).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cortex_provider.resources.base import ResourceCore, wire_form
from cortex_provider.resources.distillation import DistillationCore
from cortex_provider.resources.evaluation import EvaluationCore
from cortex_provider.resources.finetune import outputs as outs
from cortex_provider.resources.finetune.core import FineTunedModelCore
from cortex_provider.resources.finetune.spec import FineTunedModelSpec
from cortex_provider.resources.grants import CortexUserGrantCore, ModelUsageGrantCore
from cortex_provider.resources.grants_creator import ModelCreatorGrantCore
from cortex_provider.resources.release.core import ModelReleaseCore
from cortex_provider.resources.replication import ReplicationCore
from cortex_provider.resources.share import ShareCore
from cortex_provider.resources.shared_models import SharedModelsCore
from cortex_provider.resources.training_view import TrainingViewCore

Draw = Callable[..., Any]
RUNS = settings(max_examples=60, deadline=None)


# -- spellings ---------------------------------------------------------------------------------------
def ident(draw: Draw, name: str) -> str:
    """An unquoted identifier in any case, or quoted in upper case (the same object in Snowflake)."""
    how = draw(st.sampled_from(["upper", "lower", "mixed", "quoted"]))
    if how == "upper":
        return name
    if how == "lower":
        return name.lower()
    if how == "quoted":
        return f'"{name}"'
    flips = draw(st.lists(st.booleans(), min_size=len(name), max_size=len(name)))
    return "".join(c.lower() if f else c for c, f in zip(name, flips, strict=True))


def dotted(draw: Draw, *parts: str) -> str:
    return ".".join(ident(draw, p) for p in parts)


def cased(draw: Draw, text: str) -> str:
    """A case-insensitive name (a base model) in any case, with stray blanks."""
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    body = "".join(c.upper() if f else c for c, f in zip(text, flips, strict=True))
    return draw(st.sampled_from(["", " "])) + body + draw(st.sampled_from(["", " "]))


def optional(draw: Draw, props: dict[str, Any], key: str, default: Any) -> None:
    """Leave `key` out, write it as null, or spell out its default."""
    how = draw(st.sampled_from(["omit", "null", "default"]))
    if how == "null":
        props[key] = None
    elif how == "default":
        props[key] = default


def listed(draw: Draw, items: list[str], spell: Callable[[Draw, str], str]) -> list[str]:
    """The same set in any order, respelled, possibly with a duplicate."""
    out = [spell(draw, i) for i in draw(st.permutations(items))]
    if out and draw(st.booleans()):
        out.append(spell(draw, items[0]))
    return out


def options(draw: Draw, epochs: int | None) -> Any:
    if epochs is None:
        return draw(st.sampled_from([{}, None, {"max_epochs": None}, "omit"]))
    return draw(st.sampled_from([{"max_epochs": epochs}, {"max_epochs": float(epochs)}]))


# -- the property --------------------------------------------------------------------------------------
def assert_round_trip(core: ResourceCore[Any], first: Mapping[str, Any], again: Mapping[str, Any],
                      stored: Callable[[dict[str, Any]], dict[str, Any]] = dict) -> None:
    """check(first) -> outputs as stored -> check(again) -> diff: no change."""
    first = {k: v for k, v in first.items() if v != "omit"}
    again = {k: v for k, v in again.items() if v != "omit"}
    a = core.check({}, first)
    assert not a.failures, a.failures
    state = wire_form(stored(a.inputs))
    b = core.check(state, again)
    assert not b.failures, b.failures
    d = core.diff("id", state, wire_form(b.inputs))
    assert not d.changed, f"{core.kind}: {d.changed} changed between {first} and {again}"


@st.composite
def model_props(draw: Draw, epochs: int | None, base: str, definition: str | None) -> dict[str, Any]:
    p: dict[str, Any] = {"base_model": cased(draw, base),
                         "training_query": "SELECT prompt, completion FROM DB.S.TRAIN",
                         "options": options(draw, epochs)}
    if draw(st.booleans()):
        p["name"] = dotted(draw, "DB", "S", "MODEL_A")
    else:
        p.update(name=ident(draw, "MODEL_A"), database=ident(draw, "DB"), schema_name=ident(draw, "S"))
    p["training_definition"] = definition
    for key, default in (("wait", "succeeded"), ("retain_on_delete", True), ("retrain_on", "spec"),
                         ("validation_query", None), ("timeout_minutes", None), ("data_fingerprint", None)):
        optional(draw, p, key, default)
    return p


def _definition(draw: Draw) -> str:
    source = dotted(draw, "CORTEX_DEMO", "RAW", "NOTES")
    pad = draw(st.sampled_from(["", " "]))
    return ('{"query":null,"source":"' + source.replace('"', '\\"') + '","prompt":"' + pad + "NOTE"
            + '","completion":"LABEL","where":null,"distillation":null}')


@given(st.data(), st.sampled_from([None, 1, 3]), st.sampled_from(["llama3.1-8b", "mistral-7b"]))
@RUNS
def test_finetuned_model(data: st.DataObject, epochs: int | None, base: str) -> None:
    first = data.draw(model_props(epochs, base, _definition(data.draw)))
    again = data.draw(model_props(epochs, base, _definition(data.draw)))

    def created(inputs: dict[str, Any]) -> dict[str, Any]:
        return outs.build_outputs(FineTunedModelSpec.model_validate(inputs), job=None, estimated_trained_tokens=1,
                                  training_rows=1, data_fingerprint=None)

    assert_round_trip(FineTunedModelCore(), first, again, created)


def test_the_exported_form_against_the_state_of_its_first_up() -> None:
    """What `python -m cortex_provider.export` writes (`options: {}`) against what its first `up` stored."""
    spec = {"name": "DB.S.M", "base_model": "llama3.1-8b", "training_query": "SELECT prompt, completion FROM T",
            "options": {}}
    state = {**spec, "options": {"max_epochs": None}, "database": "DB", "schema_name": "S", "status": "SUCCESS"}
    core = FineTunedModelCore()
    for stored in (state, wire_form(state)):
        assert not core.diff("DB.S.M", stored, wire_form(core.check({}, spec).inputs)).changed


@given(st.data(), st.booleans(), st.booleans())
@RUNS
def test_training_view(data: st.DataObject, query_form: bool, with_base: bool) -> None:
    def props() -> dict[str, Any]:
        p: dict[str, Any] = {"database": ident(data.draw, "DB"), "schema": ident(data.draw, "S"),
                             "name": ident(data.draw, "TRAIN_V")}
        if query_form:
            p["query"] = "SELECT NOTE AS prompt, LABEL AS completion FROM DB.S.NOTES"
        else:
            pad = data.draw(st.sampled_from(["", " "]))
            p.update(source=dotted(data.draw, "DB", "S", "NOTES"), prompt_expr=pad + "NOTE",
                     completion_expr="LABEL" + pad)
            optional(data.draw, p, "where", None)
        if with_base:
            p["base_model"] = cased(data.draw, "llama3.1-8b")
        else:
            optional(data.draw, p, "base_model", None)
        return p

    first, again = props(), props()
    assert_round_trip(TrainingViewCore(), first, again, lambda i: {**i, "query_text": _view_text(i)})


def _view_text(inputs: dict[str, Any]) -> str:
    return TrainingViewCore().parse(inputs).effective_query().text


@given(st.data())
@RUNS
def test_grants(data: st.DataObject) -> None:
    draw = data.draw
    assert_round_trip(CortexUserGrantCore(), {"role": ident(draw, "ML_ENGINEER")},
                      {"role": ident(draw, "ML_ENGINEER")})
    assert_round_trip(ModelCreatorGrantCore(),
                      {"role": ident(draw, "R1"), "database": ident(draw, "DB"), "schema": ident(draw, "S")},
                      {"role": ident(draw, "R1"), "database": ident(draw, "DB"), "schema": ident(draw, "S")})

    def usage() -> dict[str, Any]:
        if draw(st.booleans()):
            return {"role": ident(draw, "ANALYST"), "model": dotted(draw, "DB", "S", "M")}
        return {"role": ident(draw, "ANALYST"), "model": ident(draw, "M"), "database": ident(draw, "DB"),
                "schema": ident(draw, "S")}

    assert_round_trip(ModelUsageGrantCore(), usage(), usage())


@given(st.data())
@RUNS
def test_share(data: st.DataObject) -> None:
    draw = data.draw

    def props() -> dict[str, Any]:
        p: dict[str, Any] = {"name": ident(draw, "MODELS_SHARE"), "database": ident(draw, "DB"),
                             "schema": ident(draw, "S"),
                             "models": listed(draw, ["M1", "M2"], ident),
                             "consumer_accounts": listed(draw, ["ORG.CONSUMER"], lambda d, a: cased(d, a).strip())}
        optional(draw, p, "functions", [])
        return p

    assert_round_trip(ShareCore(), props(), props())


@given(st.data())
@RUNS
def test_shared_models(data: st.DataObject) -> None:
    draw = data.draw

    def props() -> dict[str, Any]:
        p: dict[str, Any] = {"database": ident(draw, "MOUNTED"),
                             "share_ref": ".".join((cased(draw, "ORG").strip(), cased(draw, "PROVIDER").strip(),
                                                     ident(draw, "MODELS_SHARE")))}
        if draw(st.booleans()):
            p["roles"] = listed(draw, ["ANALYST", "R2"], ident)
        else:
            p["roles"] = ["ANALYST", "R2"]
        return p

    first = props()
    again = {**props(), "roles": listed(draw, ["ANALYST", "R2"], ident)}
    assert_round_trip(SharedModelsCore(), first, again)


@given(st.data())
@RUNS
def test_replication(data: st.DataObject) -> None:
    draw = data.draw

    def props() -> dict[str, Any]:
        p: dict[str, Any] = {"group": ident(draw, "MODELS_RG"), "databases": listed(draw, ["DB", "DB2"], ident),
                             "target_accounts": listed(draw, ["ORG.EU", "ORG.US"], lambda d, a: cased(d, a).strip())}
        optional(draw, p, "schedule", None)
        optional(draw, p, "target_connections", {})
        return p

    assert_round_trip(ReplicationCore(lambda *_: None), props(), props())  # type: ignore[arg-type,return-value]


@given(st.data(), st.sampled_from([None, 2]))
@RUNS
def test_release(data: st.DataObject, epochs: int | None) -> None:
    draw = data.draw

    def props() -> dict[str, Any]:
        p: dict[str, Any] = {"base_model": cased(draw, "llama3.1-8b"),
                             "training_query": "SELECT prompt, completion FROM DB.S.TRAIN",
                             "options": options(draw, epochs), "training_definition": _definition(draw),
                             "usage_roles": listed(draw, ["ANALYST"], ident)}
        if draw(st.booleans()):
            p["name"] = dotted(draw, "DB", "S", "SUPPORT")
        else:
            p.update(name=ident(draw, "SUPPORT"), database=ident(draw, "DB"), schema_name=ident(draw, "S"))
        for key, default in (("keep", 3), ("serving", None), ("gate", None), ("wait", "succeeded"),
                             ("retain_on_delete", True), ("timeout_minutes", None)):
            optional(draw, p, key, default)
        if draw(st.booleans()):
            p["serving"] = draw(st.sampled_from(["V1", "v1"]))
        return p

    first = props()
    again = {**props(), "serving": first.get("serving", "omit")}
    assert_round_trip(ModelReleaseCore(), first, again)


def cortex_model(draw: Draw, qualified: bool, base: str) -> str:
    """A base model (any case) or a fine-tuned model's DB.S.NAME (any identifier spelling)."""
    return dotted(draw, "DB", "S", "BASE") if qualified else cased(draw, base).strip()


@given(st.data(), st.booleans())
@RUNS
def test_evaluation(data: st.DataObject, qualified: bool) -> None:
    draw = data.draw

    def props() -> dict[str, Any]:
        p: dict[str, Any] = {"model": dotted(draw, "DB", "S", "M"), "eval_query": "SELECT prompt, completion FROM E",
                             "metric": "exact_match", "baseline_model": cortex_model(draw, qualified, "llama3.1-8b")}
        for key, default in (("threshold", 0.0), ("max_rows", 200), ("max_tokens", None)):
            optional(draw, p, key, default)
        return p

    assert_round_trip(EvaluationCore(), props(), props())


@given(st.data(), st.booleans())
@RUNS
def test_distillation(data: st.DataObject, qualified: bool) -> None:
    draw = data.draw

    def props() -> dict[str, Any]:
        p: dict[str, Any] = {"teacher_model": cortex_model(draw, qualified, "llama3.1-70b"),
                             "prompts_query": "SELECT NOTE AS prompt FROM DB.S.NOTES",
                             "target_table": dotted(draw, "DB", "S", "LABELS")}
        for key, default in (("instructions", ""), ("max_tokens", None), ("prune", True),
                             ("retain_on_delete", True)):
            optional(draw, p, key, default)
        return p

    assert_round_trip(DistillationCore(), props(), props())
