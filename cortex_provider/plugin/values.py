"""Between the wire and the cores: PropertyValues <-> plain Python, camelCase <-> snake_case, secrets.

The schema's property names are camelCase (Pulumi's convention; every SDK and YAML use them), the cores'
spec fields are snake_case: only top-level keys are renamed (nested values such as `options` or
`replicas` are data and pass as they are). A value the engine does not know yet (preview) becomes the
dynamic providers' UNKNOWN sentinel, so the same check/diff code handles it. It goes back as that sentinel
string too: it is the wire form of an unknown, and the SDK (3.272) cannot marshal its own Computed.
A top-level input that arrived secret goes back secret in the outputs, and so does any secret-looking key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pulumi.provider.experimental.property_value import PropertyValue, PropertyValueType
from pulumi.runtime.rpc import UNKNOWN

_UPPER = re.compile(r"[A-Z]")


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def snake(name: str) -> str:
    return _UPPER.sub(lambda m: "_" + m.group(0).lower(), name)


def to_python(value: PropertyValue) -> Any:
    """A PropertyValue as plain Python (secrets unwrapped; Computed -> UNKNOWN; resources -> their id)."""
    kind = value.type
    if kind == PropertyValueType.COMPUTED:
        return UNKNOWN
    if kind == PropertyValueType.NULL:
        return None
    if kind == PropertyValueType.ARRAY:
        items: Sequence[PropertyValue] = value.value  # type: ignore[assignment]
        return [to_python(v) for v in items]
    if kind == PropertyValueType.MAP:
        entries: Mapping[str, PropertyValue] = value.value  # type: ignore[assignment]
        return {k: to_python(v) for k, v in entries.items()}
    if kind == PropertyValueType.RESOURCE:
        rid = getattr(value.value, "resource_id", None)
        return to_python(rid) if isinstance(rid, PropertyValue) else getattr(value.value, "urn", None)
    if kind == PropertyValueType.NUMBER:
        number = value.value
        return int(number) if isinstance(number, float) and number.is_integer() else number
    return value.value


def from_python(value: Any) -> PropertyValue:
    """Plain Python (as the cores return it) as a PropertyValue (UNKNOWN stays the wire's sentinel)."""
    if isinstance(value, PropertyValue):
        return value
    if value is None:
        return PropertyValue.null()
    if isinstance(value, bool | str):
        return PropertyValue(value)
    if isinstance(value, int | float):
        return PropertyValue(float(value))
    if isinstance(value, Mapping):
        return PropertyValue({str(k): from_python(v) for k, v in value.items()})
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return PropertyValue([from_python(v) for v in items])
    return PropertyValue(str(value))


def secret_keys(props: Mapping[str, PropertyValue]) -> set[str]:
    """Top-level keys whose value is (or holds) a secret."""
    return {k for k, v in props.items() if v.contains_secret()}


def inbound(props: Mapping[str, PropertyValue]) -> dict[str, Any]:
    """Wire properties (camelCase) as the cores' snake_case plain dict."""
    return {snake(k): to_python(v) for k, v in props.items()}


def outbound(props: Mapping[str, Any], secrets: Iterable[str] = ()) -> dict[str, PropertyValue]:
    """The cores' snake_case dict as wire properties; keys in `secrets` (either spelling) marked secret."""
    marked = {snake(k) for k in secrets}
    return {camel(k): from_python(v).with_secret(k in marked) for k, v in props.items()}
