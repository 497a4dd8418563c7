"""Privilege checks over the catalog.

A role holds a privilege on an object when it, or any role it inherits (GRANT ROLE r TO ROLE s),
was granted that privilege (or ALL / OWNERSHIP) on the object, or owns it (the creator's role owns
what it creates). ACCOUNTADMIN holds everything. PUBLIC is inherited by every role.

The SNOWFLAKE.CORTEX_USER database role: in real Snowflake it is granted to PUBLIC by default; in
this emulator PUBLIC does NOT have it, so Cortex access must be granted explicitly
(`GRANT DATABASE ROLE SNOWFLAKE.CORTEX_USER TO ROLE r`) and revocation can be tested.

Objects of a database created FROM SHARE: a role other than the database's owner reaches them only
through `GRANT IMPORTED PRIVILEGES ON DATABASE d TO ROLE r`, recorded as USAGE on the database (the
way SHOW GRANTS prints it); it gives read access (USAGE/SELECT) to every object the share mounted.
"""

from __future__ import annotations

from cortex_local.catalog import Catalog
from cortex_local.catalog_records import ACCOUNTADMIN, CORTEX_USER, PUBLIC
from cortex_local.errors import access_error, insufficient_privileges
from cortex_local.idents import quote, split_name


def role_closure(catalog: Catalog, account: str, role: str) -> set[str]:
    """`role` plus every role it inherits (transitively), plus PUBLIC."""
    with catalog.lock:
        grants = catalog.account(account).grants
        edges: dict[str, list[str]] = {}
        for g in grants:
            if g.granted_on == "ROLE" and g.grantee_type == "ROLE":
                edges.setdefault(g.grantee, []).append(g.name)
    seen = {role, PUBLIC}
    stack = [role]
    while stack:
        for child in edges.get(stack.pop(), []):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def user_roles(catalog: Catalog, account: str, user: str) -> set[str]:
    """Roles granted directly to `user` (plus PUBLIC): what USE ROLE / login may pick."""
    with catalog.lock:
        direct = {
            g.name
            for g in catalog.account(account).grants
            if g.granted_on == "ROLE" and g.grantee_type == "USER" and g.grantee == user
        }
    return direct | {PUBLIC}


def user_may_use_role(catalog: Catalog, account: str, user: str, role: str) -> bool:
    return any(role in role_closure(catalog, account, r) for r in user_roles(catalog, account, user))


# what GRANT IMPORTED PRIVILEGES gives on the objects of a database created FROM SHARE
READ_PRIVILEGES = frozenset({"USAGE", "SELECT", "REFERENCES", "READ"})
IMPORTS = "imported_databases"  # cortex_local.cortex.shares.IMPORTS


def _imported_database(catalog: Catalog, account: str, object_type: str, name: str) -> str | None:
    """The database (quoted) of an object inside a database created FROM SHARE, else None."""
    if object_type in ("ACCOUNT", "DATABASE", "ROLE", "DATABASE_ROLE", "USER"):
        return None
    try:
        database = split_name(name)[0]
    except Exception:
        return None
    with catalog.lock:
        imports = catalog.account(account).extra.get(IMPORTS) or {}
    return quote(database) if database in imports else None


def has_privilege(catalog: Catalog, account: str, role: str, privilege: str, object_type: str, name: str,
                  roles: set[str] | None = None) -> bool:
    """privilege e.g. 'USAGE', 'CREATE MODEL'; object_type e.g. 'SCHEMA'; name fully qualified. `roles`:
    role_closure(role), when the caller checks many objects for one role (it scans every grant)."""
    roles = role_closure(catalog, account, role) if roles is None else roles
    if ACCOUNTADMIN in roles:
        return True
    object_type, privilege = object_type.upper(), privilege.upper()
    if privilege == "IMPORTED PRIVILEGES":  # recorded (and shown by SHOW GRANTS) as USAGE
        privilege = "USAGE"
    owner = catalog.owner(account, object_type, name)
    if owner is not None and owner in roles:
        return True
    imported = _imported_database(catalog, account, object_type, name)
    if imported is not None:  # only IMPORTED PRIVILEGES on the database reach what a share mounted
        return privilege in READ_PRIVILEGES and has_privilege(catalog, account, role, "USAGE", "DATABASE", imported,
                                                              roles)
    with catalog.lock:
        return any(
            g.grantee_type == "ROLE"
            and g.grantee in roles
            and g.granted_on == object_type
            and g.name == name
            and g.privilege in (privilege, "ALL", "OWNERSHIP")
            for g in catalog.account(account).grants
        )


def require_privilege(
    catalog: Catalog,
    account: str,
    role: str,
    privilege: str,
    object_type: str,
    name: str,
    display: str | None = None,
) -> None:
    """Raise 003001 `Insufficient privileges to operate on <type> '<display>'` unless held.
    `display` defaults to the last part of `name` (Snowflake names the object, not its path)."""
    if not has_privilege(catalog, account, role, privilege, object_type, name):
        raise insufficient_privileges(object_type, display or name.rsplit(".", 1)[-1])


def has_cortex_user(catalog: Catalog, account: str, role: str) -> bool:
    """True when `role` (or a role it inherits) was granted SNOWFLAKE.CORTEX_USER, or is ACCOUNTADMIN.
    PUBLIC does not hold it by default in this emulator (see module docstring)."""
    roles = role_closure(catalog, account, role)
    if ACCOUNTADMIN in roles:
        return True
    with catalog.lock:
        return any(
            g.granted_on == "DATABASE_ROLE"
            and g.name == CORTEX_USER
            and g.grantee_type == "ROLE"
            and g.grantee in roles
            for g in catalog.account(account).grants
        )


def require_cortex_user(catalog: Catalog, account: str, role: str) -> None:
    if not has_cortex_user(catalog, account, role):
        raise access_error(
            f"Insufficient privileges to operate on database role '{CORTEX_USER}': "
            f"role '{role}' needs GRANT DATABASE ROLE {CORTEX_USER} TO ROLE {role}"
        )
