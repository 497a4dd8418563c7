"""Snowflake identifier rules: unquoted names fold to upper case, "Quoted" names keep their case.

Catalog keys are always the resolved (folded) names; `quote` renders a name back so that it
resolves to itself again (used in DDL text and fully qualified names).
"""

from __future__ import annotations

import re

from cortex_local.errors import compilation_error

_PLAIN = re.compile(r"^[A-Z_][A-Z0-9_$]*$")
# one identifier: "quoted ""with"" escapes" or a bare word
IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
# a dotted name of 1-3 parts
QNAME = rf"{IDENT}(?:\s*\.\s*{IDENT}){{0,2}}"


def norm(ident: str) -> str:
    """Resolve one identifier as Snowflake does."""
    ident = ident.strip()
    if len(ident) >= 2 and ident.startswith('"') and ident.endswith('"'):
        return ident[1:-1].replace('""', '"')
    return ident.upper()


def split_name(name: str) -> list[str]:
    """Split `a."B.c".d` into resolved parts, honouring quotes."""
    parts = re.findall(IDENT, name.strip())
    rebuilt = ".".join(parts)
    if re.sub(r"\s*\.\s*", ".", name.strip()) != rebuilt or not parts:
        raise compilation_error(f"invalid identifier '{name}'")
    return [norm(p) for p in parts]


def quote(name: str) -> str:
    """Render a resolved name so it resolves to itself again."""
    if _PLAIN.match(name):
        return name
    return '"' + name.replace('"', '""') + '"'


def qualified(*parts: str) -> str:
    """Fully qualified display form, e.g. DB.S.M or "my db".S.M."""
    return ".".join(quote(p) for p in parts)


def like_to_regex(pattern: str) -> re.Pattern[str]:
    """SHOW ... LIKE: case-insensitive, % and _ wildcards, \\ escapes."""
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    return re.compile("^" + "".join(out) + "$", re.IGNORECASE | re.DOTALL)


def unquote_literal(text: str) -> str:
    """'it''s' -> it's (single-quoted SQL string literal)."""
    text = text.strip()
    if len(text) >= 2 and text[0] == "'" and text[-1] == "'":
        return text[1:-1].replace("''", "'").replace("\\'", "'")
    raise compilation_error(f"expected a string literal, got {text}")
