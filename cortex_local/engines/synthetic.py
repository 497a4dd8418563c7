"""Synthetic "Extract the condition from: ..." -> 4-key JSON pairs, shared by tests and benches.

Deterministic for a seed. The base model answers such prompts in prose (0 valid JSON), so a few
hundred pairs make a visible, checkable format-learning task.
"""

from __future__ import annotations

import json
import random

KEYS = ("condition", "severity", "duration_days", "age")
PROMPT_PREFIX = "Extract the condition from: "

_NAMES = ("Ana", "Ben", "Chloe", "Dev", "Elif", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kemi", "Liam")
_CONDITIONS = (
    "asthma", "migraine", "bronchitis", "eczema", "gout", "influenza", "tonsillitis", "sinusitis",
    "anemia", "tendinitis", "gastritis", "conjunctivitis", "shingles", "pneumonia", "vertigo",
)
_SEVERITY = ("mild", "moderate", "severe")
_TEMPLATES = (
    "{name}, aged {age}, has had {severity} {condition} for {days} days.",
    "Patient {name} ({age} years old) reports {severity} {condition} lasting {days} days.",
    "For {days} days {name}, {age}, has suffered from {severity} {condition}.",
    "{name} is {age} and was seen today with {condition}, {severity}, ongoing for {days} days.",
)


def extraction_pairs(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """n (prompt, completion) pairs; the completion is compact JSON with KEYS in order."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        fact = {
            "condition": rng.choice(_CONDITIONS),
            "severity": rng.choice(_SEVERITY),
            "duration_days": rng.randint(1, 60),
            "age": rng.randint(18, 90),
        }
        text = rng.choice(_TEMPLATES).format(
            name=rng.choice(_NAMES), age=fact["age"], severity=fact["severity"],
            condition=fact["condition"], days=fact["duration_days"],
        )
        rows.append((PROMPT_PREFIX + text, json.dumps(fact)))
    return rows


def parse_extraction(text: str) -> dict[str, object] | None:
    """The JSON object a completion holds when it is valid JSON with exactly KEYS; else None."""
    try:
        value = json.loads(text.strip())
    except ValueError:
        return None
    if not isinstance(value, dict) or tuple(value) != KEYS:
        return None
    return value
