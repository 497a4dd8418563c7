"""Spec-field normalisation for pydantic validators (identifiers, model names, user queries), and
parseable resource ids.

Specs store names in their rendered SQL form (`my_role` -> `MY_ROLE`, `"My Role"` stays quoted),
so two spellings of one object compare equal in `diff`. Ids join such names with `|`
(`ROLE|DB.SCHEMA`), which `split_id` undoes while honouring double quotes.
"""

from __future__ import annotations

from cortex_provider.errors import InvalidInput
from cortex_provider.sql.finetune import check_base_model
from cortex_provider.sql.identifiers import Identifier, QualifiedName, SchemaName
from cortex_provider.sql.statement import UserQuery

SEP = "|"


def ident(value: str, field: str) -> str:
    """One identifier in SQL form; raises ValueError('<problem>. Fix: <fix>') for pydantic."""
    try:
        return Identifier.parse(value, field).sql()
    except InvalidInput as exc:
        raise ValueError(f"{exc.problem}. Fix: {exc.fix}") from None


def qualified(value: str, field: str, default: SchemaName | None = None) -> QualifiedName:
    """A database.schema.name (filled from `default` when given), as a QualifiedName."""
    try:
        return QualifiedName.parse(value, field).resolve(default, field)
    except InvalidInput as exc:
        raise ValueError(f"{exc.problem}. Fix: {exc.fix}") from None


def query_text(value: str, field: str) -> str:
    """A user query's text, checked by UserQuery's rules; ValueError('<problem>. Fix: <fix>')."""
    try:
        return UserQuery(value, field).text
    except InvalidInput as exc:
        raise ValueError(f"{exc.problem}. Fix: {exc.fix}") from None


def cortex_model(value: str, field: str, fix: str) -> str:
    """A Cortex model: a base model's name (lower-cased) or a fine-tuned DB.SCHEMA.NAME (kept as
    written); ValueError('<problem>. Fix: <fix>') with the caller's `fix` otherwise."""
    name = value.strip()
    try:
        check_base_model(name, field)
    except InvalidInput as exc:
        raise ValueError(f"{exc.problem}. Fix: {fix}") from None
    return name if "." in name else name.lower()


def to_ident(sql_form: str) -> Identifier:
    return Identifier.parse(sql_form)


def to_schema(database: str, schema: str) -> SchemaName:
    return SchemaName(Identifier.parse(database), Identifier.parse(schema))


def to_qualified(sql_form: str) -> QualifiedName:
    return QualifiedName.parse(sql_form).full()


def join_id(*parts: str) -> str:
    return SEP.join(parts)


def split_id(id_: str, parts: int, kind: str, example: str) -> list[str]:
    """Split an id on `|` outside double quotes; ValueError naming the expected form otherwise."""
    out: list[str] = []
    buf: list[str] = []
    quoted = False
    for ch in id_:
        if ch == '"':
            quoted = not quoted
        if ch == SEP and not quoted:
            out.append("".join(buf).strip())
            buf = []
        else:
            buf.append(ch)
    out.append("".join(buf).strip())
    if len(out) != parts or not all(out):
        raise ValueError(f"{kind} id {id_!r} is not of the form {example}")
    return out
