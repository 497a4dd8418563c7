"""Spec-field normalisation for pydantic validators (identifiers, model names, user queries), and
parseable resource ids.

Specs store names in their rendered SQL form (`my_role` -> `MY_ROLE`, `"My Role"` stays quoted),
so two spellings of one object compare equal in `diff`. Ids join such names with `|`
(`ROLE|DB.SCHEMA`), which `split_id` undoes while honouring double quotes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from cortex_provider.errors import InvalidIdentifier, InvalidInput
from cortex_provider.sql.finetune import check_base_model
from cortex_provider.sql.identifiers import AccountName, Identifier, QualifiedName, SchemaName
from cortex_provider.sql.statement import UserQuery

SEP = "|"


@contextmanager
def field_error(fix: str | None = None, also: str = "") -> Iterator[None]:
    """An InvalidInput raised inside becomes pydantic's ValueError('<problem>. Fix: <fix>'), the one
    message style of every spec (pydantic prefixes the field's name). `fix` replaces the raiser's fix;
    `also` is appended to it."""
    try:
        yield
    except InvalidInput as exc:
        raise ValueError(f"{exc.problem}. Fix: {fix or exc.fix}{also}") from None


def ident(value: str, field: str) -> str:
    """One identifier in SQL form; raises ValueError('<problem>. Fix: <fix>') for pydantic."""
    with field_error():
        return Identifier.parse(value, field).sql()


def idents(values: Iterable[str], field: str) -> list[str]:
    """Identifiers in SQL form, each once, sorted: a list whose order and spelling never diff."""
    return sorted({ident(v, field) for v in values})


def sorted_unique(values: Iterable[str]) -> list[str]:
    """Each value once, sorted: a list whose order never diffs."""
    return sorted(dict.fromkeys(values))


def account(value: str, field: str) -> str:
    """An account name (`ORG.ACCOUNT` or `ACCOUNT`) in SQL form; ValueError('<problem>. Fix: <fix>')."""
    with field_error():
        return AccountName.parse(value, field).sql()


def same_account(a: str, b: str) -> bool:
    """`ORG.ACCT` equals `ACCT` (a bare name means the provider's own organisation)."""
    try:
        x, y = AccountName.parse(a), AccountName.parse(b)
    except InvalidIdentifier:
        return a.upper() == b.upper()
    if x.org and y.org:
        return x == y
    return x.account == y.account


def qualified(value: str, field: str, default: SchemaName | None = None) -> QualifiedName:
    """A database.schema.name (filled from `default` when given), as a QualifiedName."""
    with field_error():
        return QualifiedName.parse(value, field).resolve(default, field)


def query_text(value: str, field: str) -> str:
    """A user query's text, checked by UserQuery's rules; ValueError('<problem>. Fix: <fix>')."""
    with field_error():
        return UserQuery(value, field).text


def cortex_model(value: str, field: str, fix: str) -> str:
    """A Cortex model: a base model's name (lower-cased) or a fine-tuned DB.SCHEMA.NAME (as Snowflake
    resolves it: `db.s."M"` is DB.S.M, so a respelling is no change); ValueError('<problem>. Fix: <fix>')
    with the caller's `fix` otherwise."""
    name = value.strip()
    with field_error(fix):
        full = _fully_qualified(name)
        name = full or name.lower()
        check_base_model(name, field)
    return name


def _fully_qualified(name: str) -> str | None:
    """DB.SCHEMA.NAME in its canonical form, or None when `name` is no such name (a base model)."""
    try:
        q = QualifiedName.parse(name, "model")
    except InvalidInput:
        return None
    return q.sql() if q.is_full else None


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
