"""The account catalog: accounts, users, roles, grants, ownership, models, view DDL.

One JSON file (DATA/catalog.json), rewritten atomically after every change, so a restart loses
nothing. All methods take `self.lock` (an RLock): the connector may drive several sessions from
several threads. Callers that read-modify-write across calls should hold `catalog.lock` too.
Table data is not here: it lives in DuckDB files (see accounts.py).
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import threading
from pathlib import Path

from cortex_local.catalog_records import (
    ACCOUNTADMIN,
    BUILTIN_ROLES,
    PUBLIC,
    SYSADMIN,
    AccountRec,
    GrantRec,
    ModelRec,
    RoleRec,
    UserRec,
    ViewRec,
    hash_password,
)
from cortex_local.errors import already_exists, does_not_exist
from cortex_local.idents import qualified


def owner_key(object_type: str, name: str) -> str:
    return f"{object_type.upper()} {name}"


class Catalog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.RLock()
        self._accounts: dict[str, AccountRec] = {}
        if path.exists():
            raw = json.loads(path.read_text())
            self._accounts = {k: AccountRec.from_json(v) for k, v in raw["accounts"].items()}

    # -- persistence -------------------------------------------------------------------------
    def save(self) -> None:
        """Write the whole catalog atomically (tmp file + rename). Compact JSON: with `indent`, json.dumps
        falls back to its pure-Python encoder, 3-4x slower, and this runs after every grant."""
        with self.lock:
            data = {"accounts": {k: a.to_json() for k, a in self._accounts.items()}}
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data))
            os.replace(tmp, self.path)

    # -- accounts ----------------------------------------------------------------------------
    def account(self, name: str) -> AccountRec:
        """The live record (mutate only under `lock`, then call save())."""
        with self.lock:
            if name not in self._accounts:
                raise does_not_exist(name, "Account")
            return self._accounts[name]

    def has_account(self, name: str) -> bool:
        with self.lock:
            return name in self._accounts

    def account_names(self) -> list[str]:
        with self.lock:
            return sorted(self._accounts)

    def provision_account(self, name: str, admin_user: str, password: str) -> AccountRec:
        """Create an account with the built-in roles and `admin_user` holding ACCOUNTADMIN."""
        with self.lock:
            if name in self._accounts:
                raise already_exists(name, "Account")
            acct = AccountRec(name=name)
            for role in BUILTIN_ROLES:
                acct.roles[role] = RoleRec(role, owner=None)
            # Snowflake's system hierarchy: SYSADMIN is granted to ACCOUNTADMIN and may create databases.
            acct.grants.append(GrantRec("USAGE", "ROLE", SYSADMIN, "ROLE", ACCOUNTADMIN, ACCOUNTADMIN))
            acct.grants.append(GrantRec("CREATE DATABASE", "ACCOUNT", name, "ROLE", SYSADMIN, ACCOUNTADMIN))
            salt, digest = hash_password(password)
            acct.users[admin_user] = UserRec(admin_user, salt, digest, default_role=ACCOUNTADMIN)
            acct.grants.append(GrantRec("USAGE", "ROLE", ACCOUNTADMIN, "USER", admin_user, ACCOUNTADMIN))
            self._accounts[name] = acct
            self.save()
            return acct

    # -- users -------------------------------------------------------------------------------
    def create_user(
        self,
        account: str,
        name: str,
        password: str | None,
        default_role: str | None,
        owner: str,
        comment: str | None = None,
    ) -> UserRec:
        with self.lock:
            acct = self.account(account)
            if name in acct.users:
                raise already_exists(name)
            salt, digest = hash_password(password) if password is not None else ("", "")
            acct.users[name] = UserRec(name, salt, digest, default_role, owner, comment)
            self.save()
            return acct.users[name]

    def drop_user(self, account: str, name: str) -> None:
        with self.lock:
            acct = self.account(account)
            if name not in acct.users:
                raise does_not_exist(name, "User")
            del acct.users[name]
            acct.grants = [g for g in acct.grants if not (g.grantee_type == "USER" and g.grantee == name)]
            self.save()

    def user(self, account: str, name: str) -> UserRec | None:
        with self.lock:
            return self.account(account).users.get(name)

    # -- roles -------------------------------------------------------------------------------
    def create_role(self, account: str, name: str, owner: str, comment: str | None = None) -> RoleRec:
        with self.lock:
            acct = self.account(account)
            if name in acct.roles:
                raise already_exists(name)
            acct.roles[name] = RoleRec(name, owner, comment)
            self.save()
            return acct.roles[name]

    def drop_role(self, account: str, name: str) -> None:
        """Drop a role and every grant to it or of it; objects it owned pass to ACCOUNTADMIN."""
        with self.lock:
            acct = self.account(account)
            if name not in acct.roles:
                raise does_not_exist(name, "Role")
            del acct.roles[name]
            acct.grants = [
                g
                for g in acct.grants
                if not (g.grantee_type == "ROLE" and g.grantee == name)
                and not (g.granted_on == "ROLE" and g.name == name)
            ]
            for key, owner in list(acct.owners.items()):
                if owner == name:
                    acct.owners[key] = ACCOUNTADMIN
            for m in acct.models.values():
                if m.owner == name:
                    m.owner = ACCOUNTADMIN
            self.save()

    def role(self, account: str, name: str) -> RoleRec | None:
        with self.lock:
            return self.account(account).roles.get(name)

    # -- grants ------------------------------------------------------------------------------
    def grant(self, account: str, g: GrantRec) -> bool:
        """Record a grant; False when the same grant already exists (Snowflake: still succeeds)."""
        with self.lock:
            acct = self.account(account)
            if any(x.key() == g.key() for x in acct.grants):
                return False
            acct.grants.append(g)
            self.save()
            return True

    def revoke(self, account: str, privilege: str, granted_on: str, name: str, grantee_type: str, grantee: str) -> bool:
        with self.lock:
            acct = self.account(account)
            key = (privilege, granted_on, name, grantee_type, grantee)
            before = len(acct.grants)
            acct.grants = [g for g in acct.grants if g.key() != key]
            changed = len(acct.grants) != before
            if changed:
                self.save()
            return changed

    def grants(self, account: str) -> list[GrantRec]:
        """A snapshot (copies) of every grant in the account."""
        with self.lock:
            return copy.deepcopy(self.account(account).grants)

    # -- ownership ---------------------------------------------------------------------------
    def set_owner(self, account: str, object_type: str, name: str, role: str) -> None:
        with self.lock:
            self.account(account).owners[owner_key(object_type, name)] = role
            self.save()

    def owner(self, account: str, object_type: str, name: str) -> str | None:
        with self.lock:
            acct = self.account(account)
            if object_type.upper() == "MODEL" and name in acct.models:
                return acct.models[name].owner
            return acct.owners.get(owner_key(object_type, name))

    def forget_object(self, account: str, object_type: str, name: str) -> None:
        """Remove ownership/grants/view records of a dropped object and everything inside it."""
        with self.lock:
            acct = self.account(account)
            prefix = name + "."
            inside = {owner_key(object_type, name)}
            acct.owners = {
                k: v for k, v in acct.owners.items() if k not in inside and not k.split(" ", 1)[1].startswith(prefix)
            }
            acct.grants = [
                g
                for g in acct.grants
                if not (
                    (g.granted_on == object_type.upper() and g.name == name)
                    or (g.name.startswith(prefix) and g.granted_on not in ("ROLE", "DATABASE_ROLE", "ACCOUNT"))
                )
            ]
            acct.views = {k: v for k, v in acct.views.items() if k != name and not k.startswith(prefix)}
            self.save()

    # -- views -------------------------------------------------------------------------------
    def record_view(self, account: str, view: ViewRec) -> None:
        with self.lock:
            self.account(account).views[qualified(view.database, view.schema, view.name)] = view
            self.save()

    def view(self, account: str, qualified_name: str) -> ViewRec | None:
        with self.lock:
            return self.account(account).views.get(qualified_name)

    # -- models ------------------------------------------------------------------------------
    def add_model(self, account: str, model: ModelRec, replace: bool = False) -> ModelRec:
        """Create a MODEL record (used by FINETUNE, shares, replication, tests)."""
        with self.lock:
            acct = self.account(account)
            if model.qualified in acct.models and not replace:
                raise already_exists(model.qualified)
            acct.models[model.qualified] = model
            self.save()
            return model

    def model(self, account: str, database: str, schema: str, name: str) -> ModelRec | None:
        with self.lock:
            return self.account(account).models.get(qualified(database, schema, name))

    def models(self, account: str, database: str | None = None, schema: str | None = None) -> list[ModelRec]:
        with self.lock:
            out = [
                m
                for m in self.account(account).models.values()
                if (database is None or m.database == database) and (schema is None or m.schema == schema)
            ]
            return sorted(out, key=lambda m: (m.database, m.schema, m.name))

    def drop_model(self, account: str, database: str, schema: str, name: str) -> ModelRec:
        """Remove the record, its grants, and its adapter directory (if any)."""
        with self.lock:
            acct = self.account(account)
            key = qualified(database, schema, name)
            if key not in acct.models:
                raise does_not_exist(key)
            model = acct.models.pop(key)
            acct.grants = [g for g in acct.grants if not (g.granted_on == "MODEL" and g.name == key)]
            self.save()
        if model.adapter_path:
            shutil.rmtree(model.adapter_path, ignore_errors=True)
        return model

    def copy_model(
        self,
        src_account: str,
        src_qualified: str,
        dst_account: str,
        database: str,
        schema: str,
        name: str,
        owner: str,
        adapter_path: str | None = None,
        replace: bool = False,
    ) -> ModelRec:
        """Copy a model record into another account (replication / shares). The caller copies
        adapter files itself and passes the new `adapter_path` (None keeps the source path)."""
        with self.lock:
            src = self.account(src_account).models.get(src_qualified)
            if src is None:
                raise does_not_exist(src_qualified)
            dup = copy.deepcopy(src)
            dup.database, dup.schema, dup.name, dup.owner = database, schema, name, owner
            if adapter_path is not None:
                dup.adapter_path = adapter_path
            return self.add_model(dst_account, dup, replace=replace)


__all__ = ["ACCOUNTADMIN", "PUBLIC", "SYSADMIN", "Catalog", "owner_key"]
