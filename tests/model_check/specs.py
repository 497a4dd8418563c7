"""Stack specs (`cortex:spec`) and the edits a user makes to them, drawn from a seeded random.Random.

Every edit returns a new spec and a label. Some edits only respell what is declared (options omitted vs
`null` vs `max_epochs: 1`, `{}` vs `max_epochs: null`, a lower-case model name, an upper-case base
model): the models they declare mean the same, so `up` after them must change nothing (a retrain would
be a duplicate paid job; a refusal, a failed verb).
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from typing import Any

DATABASE, SCHEMA = "CORTEX_DEMO", "MODELS"
SOURCE = "CORTEX_DEMO.RAW.SUPPORT_NOTES"
PROMPT = "'Extract the condition from: ' || NOTE"
Spec = dict[str, Any]


def view(name: str, where: str) -> dict[str, Any]:
    return {"name": name, "source": SOURCE, "prompt": PROMPT, "completion": "LABEL_JSON", "where": where}


def base_spec() -> Spec:
    """The demo's shape, small: one grant, the two views, one model trained for one epoch."""
    return {
        "database": DATABASE, "schema": SCHEMA,
        "access": {"cortex_users": ["ML_ENGINEER"]},
        "training_views": [view("SUPPORT_TRAIN", "ID % 10 <> 0"), view("SUPPORT_VALIDATION", "ID % 10 = 0")],
        "models": [{"name": "SUPPORT_EXTRACTOR", "base_model": "llama3.1-8b", "training_view": "SUPPORT_TRAIN",
                    "validation_view": "SUPPORT_VALIDATION", "options": {"max_epochs": 1}}],
    }


def epochs_of(model: dict[str, Any]) -> int | None:
    """What the declaration means (docs/concepts.md, "Inputs round-trip"): options omitted or `null` are the
    program's default, max_epochs 1; `{}` or `max_epochs: null` leave the epochs to Snowflake (None)."""
    if model.get("options") is None:
        return 1
    value = model["options"].get("max_epochs")
    return int(value) if value is not None else None


def spell_options(rng: random.Random, epochs: int | None) -> tuple[str, Any]:
    """One of the ways to write `epochs` (None: Cortex chooses). Returns (label, value or '<omit>')."""
    if epochs is None:
        return rng.choice([("{}", {}), ("max_epochs: null", {"max_epochs": None})])
    if epochs == 1:
        return rng.choice([("max_epochs: 1", {"max_epochs": 1}), ("omitted", "<omit>"), ("null", None)])
    return (f"max_epochs: {epochs}", {"max_epochs": epochs})


def set_options(model: dict[str, Any], value: Any) -> None:
    if value == "<omit>":
        model.pop("options", None)
    else:
        model["options"] = value


def _unused(used: set[str], name: Callable[[int], str], first: int) -> str:
    """name(n) for the first n >= first never declared in this sequence; it is declared from now on."""
    n = first
    while name(n) in used:
        n += 1
    used.add(name(n))
    return name(n)


def _fresh(used: set[str], stem: str) -> str:
    """A name never declared in this sequence (a retained model keeps its name in Snowflake)."""
    return _unused(used, lambda n: f"{stem}_V{n}", 2)


def _new(used: set[str], stem: str) -> str:
    return _unused(used, lambda n: f"{stem}_{n}", 1)


def _stem(name: str) -> str:
    head, sep, tail = name.upper().rpartition("_V")
    return head if sep and tail.isdigit() else name.upper()


def _used_views(spec: Spec) -> set[str]:
    return {m.get(k) for m in spec["models"] for k in ("training_view", "validation_view") if m.get(k)}


def edit(rng: random.Random, spec: Spec, used: set[str], only: tuple[str, ...] = ()) -> tuple[Spec, str]:
    """One random edit of `spec` (a copy). `used`: every name declared in this sequence so far (grows);
    `only`: the kinds of edit to draw from (where the spec allows one)."""
    spec = copy.deepcopy(spec)
    models = spec.setdefault("models", [])  # an exported spec may declare no views (an empty list is the same)
    spec.setdefault("training_views", [])
    kinds = ["add_model", "add_view"]
    if models:
        kinds += ["retrain", "retrain", "spelling", "spelling", "name_case", "base_case", "retain", "retain",
                  "rename", "remove_model"]
    if [v for v in spec["training_views"] if v["name"] not in _used_views(spec)]:
        kinds.append("remove_view")
    kind = rng.choice([k for k in kinds if k in only] or kinds)
    if kind == "add_model":
        name = _new(used, "EXTRA")
        label, value = spell_options(rng, rng.choice([1, 2, None]))
        train = rng.choice([v["name"] for v in spec["training_views"]] or [None])
        model: dict[str, Any] = {"name": name, "base_model": "llama3.1-8b"}
        if train is None:
            model["training_query"] = f"SELECT {PROMPT} AS prompt, LABEL_JSON AS completion FROM {SOURCE}"
        else:
            model["training_view"] = train
        set_options(model, value)
        if rng.random() < 0.5:
            model["retain_on_delete"] = False
        models.append(model)
        return spec, f"add model {name} ({label}, retain_on_delete={model.get('retain_on_delete', True)})"
    if kind == "add_view":
        name = _new(used, "EXTRA_VIEW")
        spec["training_views"].append(view(name, f"ID % {rng.choice([3, 4, 5])} = 0"))
        return spec, f"add view {name}"
    if kind == "remove_view":
        name = rng.choice([v["name"] for v in spec["training_views"] if v["name"] not in _used_views(spec)])
        spec["training_views"] = [v for v in spec["training_views"] if v["name"] != name]
        return spec, f"remove view {name}"
    model = rng.choice(models)
    if kind == "retrain":  # a new spec under a new, versioned name (a same-name retrain is refused by design)
        old = epochs_of(model)
        label, value = spell_options(rng, rng.choice([e for e in (1, 2, 3, None) if e != old]))
        name = _fresh(used, _stem(model["name"]))
        set_options(model, value)
        old_name, model["name"] = model["name"], name
        return spec, f"retrain {old_name} as {name} ({label})"
    if kind == "spelling":
        label, value = spell_options(rng, epochs_of(model))
        set_options(model, value)
        return spec, f"respell {model['name']} options as {label}"
    if kind == "name_case":
        name = model["name"]
        model["name"] = name.lower() if name.isupper() else name.upper()
        return spec, f"respell model name {name} as {model['name']}"
    if kind == "base_case":
        base = model["base_model"]
        model["base_model"] = base.upper() if base.islower() else base.lower()
        return spec, f"respell {model['name']} base_model as {model['base_model']}"
    if kind == "retain":
        model["retain_on_delete"] = not model.get("retain_on_delete", True)
        return spec, f"{model['name']} retain_on_delete -> {model['retain_on_delete']}"
    if kind == "rename":
        name = _fresh(used, _stem(model["name"]))
        old_name, model["name"] = model["name"], name
        return spec, f"rename {old_name} to {name} (same training spec)"
    models.remove(model)
    return spec, f"remove model {model['name']} (retain_on_delete={model.get('retain_on_delete', True)})"


def overlapping(rng: random.Random, spec_a: Spec) -> tuple[Spec, str]:
    """Stack B's spec: A's objects declared again (same names), plus what differs."""
    spec = copy.deepcopy(spec_a)
    spec.setdefault("models", [])
    spec.setdefault("training_views", [])
    choice = rng.choice(["same", "same_drop", "other_view"])
    if choice == "same_drop":  # B declares A's models and would drop them on delete
        for m in spec["models"]:
            m["retain_on_delete"] = False
        return spec, "B declares A's objects, retain_on_delete: false"
    if choice == "other_view" and spec["training_views"]:
        spec["training_views"][0]["where"] = "ID % 2 = 0"
        spec["models"].append({"name": "B_ONLY", "base_model": "llama3.1-8b",
                               "training_view": spec["training_views"][0]["name"], "retain_on_delete": False})
        return spec, f"B declares view {spec['training_views'][0]['name']} with another query, and B_ONLY"
    return spec, "B declares A's objects as they are"


def broken_view(rng: random.Random, spec: Spec, used: set[str]) -> tuple[Spec, str]:
    """A new view that cannot work: its table does not exist, or it has no completion column."""
    spec = copy.deepcopy(spec)
    views = spec.setdefault("training_views", [])
    unused = [v for v in views if v["name"] not in _used_views(spec) and "source" in v]
    if unused and rng.random() < 0.5:  # a changed view (one no model trains on: no retrain in the plan)
        entry, how = rng.choice(unused), "change view"
    else:
        entry, how = view(_new(used, "BROKEN_VIEW"), "ID > 0"), "add view"
        views.append(entry)
    if rng.random() < 0.5:
        entry["source"] = "CORTEX_DEMO.RAW.NO_SUCH_TABLE"
        return spec, f"{how} {entry['name']} over a table that does not exist"
    entry["completion"] = "NO_SUCH_COLUMN"
    return spec, f"{how} {entry['name']} to a completion column that does not exist"
