"""Secure functions shared to a consumer account: the provider's grants and the consumer's calls.

Provider side. `GRANT USAGE ON FUNCTION db.s.f(...) TO SHARE s` is recorded among the share's grants
(`granted_on = FUNCTION`), so SHOW GRANTS TO SHARE lists it and revoking the database from the share
clears it with everything else. Only a SECURE function may be granted ("Snowflake ... only secure
functions can be shared", https://docs.snowflake.com/en/user-guide/data-sharing-secure-views), and only
after USAGE on its database. Dropping the function, or replacing it without COPY GRANTS, takes it out
of every share.

Consumer side. A call `MOUNTED_DB.S.F(...)` matching no local function looks through the mount
(`lookup`): the import must be live (else 003030), the share must grant USAGE on schema S and on the
function, and the function must exist and be secure; otherwise Snowflake's "Unknown user-defined
function". The caller needs IMPORTED PRIVILEGES on the mounted database (privileges.py). The body runs
in the provider's name: a literal model in `SNOWFLAKE.CORTEX.COMPLETE('<model>', ...)` is resolved in
the provider's account (`provider_body`), so the versions behind an endpoint need not be shared. The
name handed to the COMPLETE UDF is an in-process marker (`mark` / `unmark`) carrying a per-process
secret, so a consumer cannot forge a reference to a provider's model by writing the marker itself.
Emulator simplification: a shared body may reference no other object of the provider (tables, views).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cortex_local.cortex import shares as sh
from cortex_local.cortex.base_models import is_inference_base
from cortex_local.errors import compilation_error, sql_error
from cortex_local.idents import qualified, split_name, unquote_literal

if TYPE_CHECKING:
    from cortex_local.server import EmulatorServer

FUNCTION = "FUNCTION"
_SECRET = secrets.token_hex(16)
_PREFIX = "cortex_local$shared$"
_MODEL_CALL = re.compile(
    r"(SNOWFLAKE\s*\.\s*CORTEX\s*\.\s*(?:COMPLETE|COUNT_TOKENS)\s*\(\s*)('(?:[^']|'')*')", re.IGNORECASE
)


def unknown_function(name: str) -> Exception:
    return sql_error(2141, f"SQL compilation error:\nUnknown user-defined function {name}.", "42601")


# -- provider side ----------------------------------------------------------------------------------
def grant_to_share(
    server: EmulatorServer, account: str, share: dict[str, Any], key: str, record: dict[str, Any], role: str,
    grant: bool,
) -> None:
    """Record (or drop) USAGE on function `key` in `share`'s grants; caller holds the catalog lock."""
    grants: list[dict[str, Any]] = share["grants"]
    if not grant:
        share["grants"] = [g for g in grants if not (g["granted_on"] == FUNCTION and g["name"] == key)]
        return
    if not record["secure"]:
        raise compilation_error(f"Non-secure function {key} cannot be granted to a share. Use a secure function.")
    database = qualified(record["database"])
    if sh.share_database(share) != database:
        raise compilation_error(
            f"Grant USAGE ON DATABASE {database} to the share before granting objects inside it."
        )
    if not sh.granted(share, FUNCTION, key):
        from cortex_local.catalog_records import now

        grants.append({"privilege": "USAGE", "granted_on": FUNCTION, "name": key, "granted_by": role,
                       "created_on": now()})


def forget_function(server: EmulatorServer, account: str, key: str) -> None:
    """The function is gone (or replaced without COPY GRANTS): no share grants it any more."""
    for share in sh.shares_of(server, account).values():
        share["grants"] = [g for g in share["grants"] if not (g["granted_on"] == FUNCTION and g["name"] == key)]


# -- consumer side ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SharedFunction:
    provider: str  # the provider's account name
    key: str  # the function's qualified name in the provider's account
    record: dict[str, Any]  # its definition (handlers/functions.py)


def lookup(server: EmulatorServer, consumer: str, key: str, explicit: bool) -> SharedFunction | None:
    """The provider's function behind `key` (qualified, in a database mounted from a share), or None when
    `key` is not in a mounted database. Raises 003030 for a revoked mount, and "Unknown user-defined
    function" when the name was written out (`explicit`) but the share does not grant it."""
    db, schema, name = split_name(key)
    with server.catalog.lock:
        imp = sh.imports_of(server, consumer).get(db)
        if imp is None:
            return None
        if imp.get("revoked"):
            if explicit:
                raise sh.unavailable()
            return None
        share = sh.consumer_entitled(server, consumer, imp["provider"], imp["share"])
        src_db = sh.share_database(share) if share is not None else None
        found = None
        if share is not None and src_db is not None:
            src_key = f"{src_db}.{qualified(schema, name)}"
            store = server.catalog.account(imp["provider"]).extra.get("functions") or {}
            record = store.get(src_key)
            if (record is not None and record["secure"] and sh.granted(share, FUNCTION, src_key)
                    and sh.granted(share, "SCHEMA", f"{src_db}.{qualified(schema)}")):
                found = SharedFunction(imp["provider"], src_key, dict(record))
    if found is None and share is None and explicit:
        sh.sync_import(server, consumer, db)  # the share was taken away: the mount is revoked for good
        raise sh.unavailable()
    if found is None and explicit:
        raise unknown_function(key)
    return found


def provider_body(server: EmulatorServer, fn: SharedFunction) -> str:
    """The body with each literal model of a Cortex call resolved in the provider's account."""
    def fix(m: re.Match[str]) -> str:
        name = unquote_literal(m[2])
        if is_inference_base(name):
            return m[0]
        parts = split_name(name)
        full = [fn.record["database"], fn.record["schema"]][: 3 - len(parts)] + list(parts)
        marker = mark(fn.provider, qualified(*full))
        return m[1] + "'" + marker.replace("'", "''") + "'"

    return _MODEL_CALL.sub(fix, str(fn.record["body"]))


def mark(provider: str, model: str) -> str:
    return f"{_PREFIX}{_SECRET}${provider}${model}"


def unmark(text: str) -> tuple[str, str] | None:
    """(provider account, qualified model) of a marker this process wrote, else None."""
    if not text.startswith(_PREFIX):
        return None
    secret, _, rest = text[len(_PREFIX):].partition("$")
    provider, _, model = rest.partition("$")
    if not secrets.compare_digest(secret, _SECRET) or not provider or not model:
        return None
    return provider, model
