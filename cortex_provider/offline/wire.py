"""Property values as the Pulumi wire carries them (protobuf Struct <-> JSON-like dicts).

The runner keeps every property in its wire form so nothing the SDK encoded is lost: secrets stay
wrapped as ``{SIG: SECRET_SIG, "value": v}``, unknowns are the ``UNKNOWN`` sentinel string. The
dynamic provider answers Configure with ``acceptSecrets: false``, so, as the engine does, we strip
the wrappers (and resource references) before a value goes to the provider.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format, struct_pb2

SIG = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
PROVIDER_KEY = "__provider"
MASK = "[secret]"

Props = dict[str, Any]


def from_struct(struct: struct_pb2.Struct) -> Props:
    """A protobuf Struct as plain dicts/lists (numbers come back as floats, as on the wire)."""
    out: Props = json_format.MessageToDict(struct)
    return out


def to_struct(props: Props) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    json_format.ParseDict(props, struct)
    return struct


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG) == SECRET_SIG


def secret(value: Any) -> dict[str, Any]:
    return value if is_secret(value) else {SIG: SECRET_SIG, "value": value}


def contains_secret(value: Any) -> bool:
    if is_secret(value):
        return True
    if isinstance(value, dict):
        return any(contains_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_secret(v) for v in value)
    return False


def plain(value: Any) -> Any:
    """The value a provider that does not accept secrets or resources sees (the engine's view)."""
    if isinstance(value, dict):
        if value.get(SIG) == SECRET_SIG:
            return plain(value.get("value"))
        if value.get(SIG) == RESOURCE_SIG:
            return value.get("id") or value.get("urn")
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def plain_props(props: Props) -> Props:
    return {k: plain(v) for k, v in props.items()}


def masked(value: Any) -> Any:
    """The value as shown to a person: secrets replaced by ``[secret]``, unknowns by a marker."""
    if is_secret(value):
        return MASK
    if value == UNKNOWN:
        return "[unknown]"
    if isinstance(value, dict):
        return {k: masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    return value


def secret_keys(props: Props) -> set[str]:
    return {k for k, v in props.items() if contains_secret(v)}


def rewrap(outputs: Props, keys: set[str]) -> Props:
    """Mark the named top-level outputs secret again (the engine's rule: secret in -> secret out)."""
    return {k: secret(v) if k in keys and not contains_secret(v) else v for k, v in outputs.items()}


def changed_keys(old: Props, new: Props) -> list[str]:
    """Top-level property names whose (plain) values differ, ``__provider`` last if at all."""
    keys = sorted(set(old) | set(new), key=lambda k: (k == PROVIDER_KEY, k))
    return [k for k in keys if plain(old.get(k)) != plain(new.get(k))]
