"""The emulator server object: data dir, engine, catalog, per-account runtimes, sessions, query log.

Other parts reach everything through this object (it is what `cortex_local.cortex.setup(server)`
receives): `engine`, `data_dir`, `catalog`, `accounts` (name -> AccountRuntime, whose `duck_conn`
takes UDFs/macros), `on_account(hook)` (run a hook for every account, present and future),
`job_retention_s`, `org_name`, `query_log`, `on_shutdown(hook)`.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from pathlib import Path

from fakesnow.expr import normalise_ident

from cortex_local import privileges
from cortex_local.accounts import AccountRuntime, account_dirname
from cortex_local.catalog import Catalog
from cortex_local.catalog_records import ORG_NAME, PUBLIC
from cortex_local.engines.base import Engine
from cortex_local.errors import does_not_exist
from cortex_local.querylog import QueryLog
from cortex_local.session import Session

AccountHook = Callable[[AccountRuntime], None]


class LoginError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class EmulatorServer:
    def __init__(self, data_dir: Path, engine: Engine | None, job_retention_s: float = 7 * 24 * 3600) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.engine = engine
        self.job_retention_s = job_retention_s
        self.org_name = ORG_NAME
        self.catalog = Catalog(self.data_dir / "catalog.json")
        self.query_log = QueryLog(self.data_dir)
        self.accounts: dict[str, AccountRuntime] = {}
        self.sessions: dict[str, Session] = {}
        self._lock = threading.RLock()
        self._account_hooks: list[AccountHook] = []
        self._shutdown_hooks: list[Callable[[], None]] = []
        for name in self.catalog.account_names():
            self.account_runtime(name)

    # -- accounts -----------------------------------------------------------------------------
    def account_runtime(self, name: str) -> AccountRuntime:
        """The runtime of an existing catalog account (created on first use, hooks applied)."""
        with self._lock:
            if name not in self.accounts:
                if not self.catalog.has_account(name):
                    raise does_not_exist(name, "Account")
                runtime = AccountRuntime(name, self.data_dir / "accounts" / account_dirname(name))
                self.accounts[name] = runtime
                for hook in self._account_hooks:
                    hook(runtime)
            return self.accounts[name]

    def on_account(self, hook: AccountHook) -> None:
        """Run `hook(runtime)` for every account now and for every account provisioned later."""
        with self._lock:
            self._account_hooks.append(hook)
            for runtime in list(self.accounts.values()):
                hook(runtime)

    def on_shutdown(self, hook: Callable[[], None]) -> None:
        self._shutdown_hooks.append(hook)

    # -- sessions -----------------------------------------------------------------------------
    def login(
        self,
        account: str,
        user: str,
        password: str | None,
        role: str | None,
        database: str | None,
        schema: str | None,
        warehouse: str | None,
    ) -> Session:
        """Provision unknown accounts (the first user becomes their ACCOUNTADMIN); check passwords."""
        account, user = account.upper(), user.upper()
        bad = LoginError("390100", "Incorrect username or password was specified.")
        with self.catalog.lock:
            if not self.catalog.has_account(account):
                if not password:
                    raise bad
                self.catalog.provision_account(account, user, password)
            rec = self.catalog.user(account, user)
            if rec is None or password is None or not rec.password_hash or not rec.check_password(password):
                raise bad
            chosen = self._login_role(account, user, role, rec.default_role)
        runtime = self.account_runtime(account)
        database = database and normalise_ident(database)
        schema = schema and normalise_ident(schema)
        if database and not (
            runtime.database_exists(database)
            and privileges.has_privilege(self.catalog, account, chosen, "USAGE", "DATABASE", _q(database))
        ):
            database = schema = None
        conn = runtime.connect(database, schema)
        token = secrets.token_urlsafe(32)
        session = Session(token, account, user, chosen, conn, warehouse and normalise_ident(warehouse))
        with self._lock:
            self.sessions[token] = session
        return session

    def _login_role(self, account: str, user: str, role: str | None, default_role: str | None) -> str:
        if role:
            wanted = normalise_ident(role)
            if self.catalog.role(account, wanted) is None or not privileges.user_may_use_role(
                self.catalog, account, user, wanted
            ):
                raise LoginError(
                    "390189",
                    f"Role '{wanted}' specified in the connect string is not granted to this user. "
                    "Contact your local system administrator, or attempt to login with another role, "
                    "e.g. PUBLIC.",
                )
            return wanted
        if (
            default_role
            and self.catalog.role(account, default_role)
            and privileges.user_may_use_role(self.catalog, account, user, default_role)
        ):
            return default_role
        return PUBLIC

    def session(self, token: str) -> Session | None:
        with self._lock:
            return self.sessions.get(token)

    def close_session(self, token: str) -> None:
        with self._lock:
            session = self.sessions.pop(token, None)
        if session is not None:
            with session.lock:
                session.conn.close()

    def close(self) -> None:
        for hook in self._shutdown_hooks:
            hook()
        for token in list(self.sessions):
            self.close_session(token)
        for runtime in self.accounts.values():
            runtime.close()
        self.catalog.save()


def _q(name: str) -> str:
    from cortex_local.idents import quote

    return quote(name)
