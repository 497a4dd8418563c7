"""Snowflake identifiers: parsing user input, resolving, and rendering back to SQL.

Accepted user input follows Snowflake's own rules, so whatever works in a worksheet works here:
- `my_db`      unquoted: `[A-Za-z_][A-Za-z0-9_$]*`, case-insensitive, resolves to `MY_DB`;
- `"My Db"`    quoted: keeps case and spaces, `""` stands for one `"`, resolves to `My Db`;
- `db.schema.x` dotted names, split on dots outside quotes, 1 to 3 parts.
Unquoted reserved words (`table`, `select`, ...) are rejected, as Snowflake does; quote them.
Stricter than Snowflake: control characters (incl. NUL) are rejected even inside quotes.
Every identifier is stored resolved; `.sql()` adds quotes only when needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cortex_provider.errors import InvalidIdentifier

MAX_LEN = 255
_UNQUOTED = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_PLAIN_RESOLVED = re.compile(r"[A-Z_][A-Z0-9_$]*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ACCOUNT_PART = re.compile(r"[A-Za-z][A-Za-z0-9_]*")

# Snowflake's reserved keywords (sql-reference/reserved-keywords): unquoted, they are not identifiers.
_RESERVED_WORDS = """
ACCOUNT ALL ALTER AND ANY AS BETWEEN BY CASE CAST CHECK COLUMN CONNECT CONNECTION CONSTRAINT CREATE CROSS
CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER DATABASE DELETE DISTINCT DROP ELSE EXISTS
FALSE FOLLOWING FOR FROM FULL GRANT GROUP GSCLUSTER HAVING ILIKE IN INCREMENT INNER INSERT INTERSECT INTO IS
ISSUE JOIN LATERAL LEFT LIKE LOCALTIME LOCALTIMESTAMP MINUS NATURAL NOT NULL OF ON OR ORDER ORGANIZATION
QUALIFY REGEXP REVOKE RIGHT RLIKE ROW ROWS SAMPLE SCHEMA SELECT SET SOME START TABLE TABLESAMPLE THEN TO
TRIGGER TRUE TRY_CAST UNION UNIQUE UPDATE USING VALUES VIEW WHEN WHENEVER WHERE WITH
"""
RESERVED = frozenset(_RESERVED_WORDS.split())


@dataclass(frozen=True, order=True)
class Identifier:
    """One resolved identifier (what Snowflake stores and SHOW prints)."""

    name: str

    def __post_init__(self) -> None:
        _check_resolved(self.name, "identifier")

    @classmethod
    def parse(cls, text: str, field: str = "name") -> Identifier:
        """Parse one user-written identifier (`abc` or `"a b"`); raises InvalidIdentifier."""
        parts = _split(text, field)
        if len(parts) != 1:
            raise InvalidIdentifier(
                field,
                f"{text!r} has {len(parts)} dot-separated parts, expected a single name",
                'drop the qualifier, or quote the whole name if the dot belongs to it: "a.b"',
            )
        return parts[0]

    @classmethod
    def of(cls, resolved: str, field: str = "name") -> Identifier:
        """Wrap an already resolved name (from SHOW output, or exact-case API input)."""
        _check_resolved(resolved, field)
        return cls(resolved)

    def sql(self) -> str:
        """Render so that Snowflake resolves it back to exactly `name`."""
        if _PLAIN_RESOLVED.fullmatch(self.name) and self.name not in RESERVED:
            return self.name
        return '"' + self.name.replace('"', '""') + '"'

    def matches(self, resolved: str) -> bool:
        """Exact comparison with a name printed by SHOW (already resolved)."""
        return self.name == resolved

    def __str__(self) -> str:
        return self.sql()


@dataclass(frozen=True)
class SchemaName:
    """`database.schema`."""

    database: Identifier
    schema: Identifier

    @classmethod
    def parse(
        cls, text: str, field: str = "schema", default_database: Identifier | None = None
    ) -> SchemaName:
        parts = _split(text, field)
        if len(parts) == 2:
            return cls(parts[0], parts[1])
        if len(parts) == 1 and default_database is not None:
            return cls(default_database, parts[0])
        raise InvalidIdentifier(
            field,
            f"{text!r} is not a schema name of the form database.schema",
            'write it as DB.SCHEMA (quote parts that need it, e.g. "My Db".PUBLIC)',
        )

    def sql(self) -> str:
        return f"{self.database.sql()}.{self.schema.sql()}"

    def __str__(self) -> str:
        return self.sql()


@dataclass(frozen=True)
class QualifiedName:
    """`[database.][schema.]name`; missing parts are filled by `resolve`."""

    name: Identifier
    schema: Identifier | None = None
    database: Identifier | None = None

    def __post_init__(self) -> None:
        if self.database is not None and self.schema is None:
            raise InvalidIdentifier("name", "a database without a schema", "give database.schema.name")

    @classmethod
    def parse(cls, text: str, field: str = "name") -> QualifiedName:
        parts = _split(text, field)
        if len(parts) > 3:
            raise InvalidIdentifier(
                field,
                f"{text!r} has {len(parts)} dot-separated parts (at most 3: database.schema.name)",
                'quote a part that contains a dot, e.g. "a.b"',
            )
        if len(parts) == 1:
            return cls(parts[0])
        if len(parts) == 2:
            return cls(parts[1], parts[0])
        return cls(parts[2], parts[1], parts[0])

    @classmethod
    def of(cls, database: str, schema: str, name: str) -> QualifiedName:
        """Build from resolved parts (e.g. the columns of a SHOW row)."""
        return cls(Identifier.of(name), Identifier.of(schema), Identifier.of(database))

    @property
    def is_full(self) -> bool:
        return self.database is not None and self.schema is not None

    def resolve(self, default: SchemaName | None, field: str = "name") -> QualifiedName:
        """Fill missing database/schema from `default`; raises when still incomplete."""
        if self.is_full:
            return self
        if default is None:
            raise InvalidIdentifier(
                field,
                f"{self.sql()} is not fully qualified and no default database/schema is set",
                "write it as DATABASE.SCHEMA.NAME",
            )
        schema = self.schema or default.schema
        database = default.database
        return QualifiedName(self.name, schema, database)

    def full(self, field: str = "name") -> QualifiedName:
        """Assert the name is database.schema.name (what every statement builder requires)."""
        return self.resolve(None, field)

    @property
    def schema_name(self) -> SchemaName:
        full = self.full()
        assert full.database is not None and full.schema is not None
        return SchemaName(full.database, full.schema)

    def sql(self) -> str:
        return ".".join(p.sql() for p in (self.database, self.schema, self.name) if p is not None)

    def __str__(self) -> str:
        return self.sql()


@dataclass(frozen=True)
class AccountName:
    """An account identifier: `org.account` (preferred) or a bare account locator.

    Account identifiers are never quoted in Snowflake; parts are letters, digits and underscores.
    """

    account: str
    org: str | None = None

    def __post_init__(self) -> None:
        for part in (self.org, self.account):
            if part is not None and not _ACCOUNT_PART.fullmatch(part):
                raise InvalidIdentifier(
                    "account",
                    f"{part!r} is not a valid account identifier part",
                    "use ORGNAME.ACCOUNTNAME (letters, digits, underscores)",
                )

    @classmethod
    def parse(cls, text: str, field: str = "account") -> AccountName:
        parts = text.strip().split(".")
        if len(parts) > 2 or not all(_ACCOUNT_PART.fullmatch(p) for p in parts):
            raise InvalidIdentifier(
                field,
                f"{text!r} is not an account identifier",
                "use ORGNAME.ACCOUNTNAME, e.g. MYORG.ANALYTICS_EU (no quotes, no spaces)",
            )
        if len(parts) == 2:
            return cls(parts[1].upper(), parts[0].upper())
        return cls(parts[0].upper())

    def sql(self) -> str:
        return f"{self.org}.{self.account}" if self.org else self.account

    def __str__(self) -> str:
        return self.sql()


def _check_resolved(name: object, field: str) -> None:
    if not isinstance(name, str) or not name:
        raise InvalidIdentifier(field, "the name is empty", "give a non-empty name")
    if len(name) > MAX_LEN:
        raise InvalidIdentifier(
            field, f"the name is {len(name)} characters long (max {MAX_LEN})", "shorten it"
        )
    if _CONTROL.search(name):
        raise InvalidIdentifier(
            field,
            f"{name!r} contains a control character",
            "remove newlines, tabs and other control characters",
        )


def _split(text: str, field: str) -> list[Identifier]:
    """Split dotted user input into resolved identifiers, honouring quotes."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidIdentifier(field, "the name is empty", 'give a name such as MY_DB or "My Db"')
    parts: list[Identifier] = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] == '"':
            j, buf = i + 1, []
            while True:
                if j >= n:
                    raise InvalidIdentifier(field, f"{text!r} has an unterminated quote", 'close it: "name"')
                if text[j] == '"':
                    if j + 1 < n and text[j + 1] == '"':
                        buf.append('"')
                        j += 2
                        continue
                    break
                buf.append(text[j])
                j += 1
            resolved = "".join(buf)
            if not resolved:
                raise InvalidIdentifier(
                    field, f'{text!r} contains an empty quoted name ""', "put a name in it"
                )
            i = j + 1
        else:
            m = _UNQUOTED.match(text, i)
            if not m:
                raise InvalidIdentifier(
                    field,
                    f"{text!r} is not a valid identifier",
                    "unquoted names use letters, digits, _ and $ and start with a letter or _; "
                    f"wrap anything else in double quotes, e.g. {_suggest(text)}",
                )
            word = m.group(0)
            if word.upper() in RESERVED:
                raise InvalidIdentifier(
                    field,
                    f"{word!r} is a Snowflake reserved word",
                    f'quote it to use it as a name: "{word.upper()}"',
                )
            resolved = word.upper()
            i = m.end()
        _check_resolved(resolved, field)
        parts.append(Identifier(resolved))
        while i < n and text[i] in " \t":
            i += 1
        if i == n:
            return parts
        if text[i] != ".":
            raise InvalidIdentifier(
                field,
                f"{text!r} is not a valid identifier (unexpected {text[i]!r})",
                f"wrap names with special characters in double quotes, e.g. {_suggest(text)}",
            )
        i += 1


def _suggest(text: str) -> str:
    return '"' + text.strip().replace('"', '""') + '"'
