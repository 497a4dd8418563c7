"""Pulumi's floor for bench/scale_floor.py: a dynamic resource whose provider does nothing.

In a module of its own (not the benchmark's __main__), so it pickles as a class reference, as ours do
(pulumi/base.py): the provider process imports it from bench/ (PYTHONPATH) instead of unpickling the
benchmark's globals.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CreateResult, ReadResult, Resource, ResourceProvider


class FloorProvider(ResourceProvider):
    """Create and read echo the inputs back: no SQL, no validation."""

    serialize_as_secret_always = False  # as ours: the floor pays no encryption either

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(str(props["role"]), props)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props)


class Floor(Resource):
    def __init__(self, name: str, role: str) -> None:
        super().__init__(FloorProvider(), name, {"role": role})
