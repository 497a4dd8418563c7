"""The Starlette app speaking the connector's REST protocol (login, query, session, heartbeat),
modelled on fakesnow's server routes but with accounts, users and our statement dispatch."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import logging
import os
from collections.abc import AsyncIterator
from typing import Any

from fakesnow.statement_type import statement_type_id
from fakesnow.transforms import SERVER_VERSION
from snowflake.connector.errors import DatabaseError, ProgrammingError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cortex_local import dispatch, wire
from cortex_local.server import EmulatorServer, LoginError
from cortex_local.session import Session

log = logging.getLogger("cortex_local")
# A statement still running after this many seconds is answered as Snowflake does, "query in progress"
# (code 333333 + getResultUrl), and the connector polls for its result: without it, any statement over
# the connector's 60 s socket timeout (a COMPLETE over many rows on the lora engine) would fail.
IN_PROGRESS_AFTER_S = float(os.environ.get("CORTEX_LOCAL_IN_PROGRESS_S", "40"))


async def _json_body(request: Request) -> dict[str, Any]:
    body = await request.body()
    if request.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return json.loads(body) if body else {}


def _failure(code: str, message: str, status: int = 200) -> JSONResponse:
    return JSONResponse(
        {"data": None, "code": code, "message": message, "success": False, "headers": None},
        status_code=status,
    )


def build_app(server: EmulatorServer) -> Starlette:
    def session_of(request: Request) -> Session | JSONResponse:
        auth = request.headers.get("Authorization")
        if not auth:
            return _failure("390103", "Session token not found in the request data.", 401)
        token = auth[17:-1]  # Snowflake Token="..."
        session = server.session(token)
        if session is None:
            return _failure("390104", "User must login again to access the service.", 401)
        return session

    async def login(request: Request) -> JSONResponse:
        body = (await _json_body(request)).get("data", {})
        qp = request.query_params
        account = body.get("ACCOUNT_NAME") or qp.get("account") or ""
        if not account:
            return _failure("390100", "Incorrect username or password was specified.")
        try:
            session = await run_in_threadpool(
                server.login,
                account,
                body.get("LOGIN_NAME") or "",
                body.get("PASSWORD"),
                qp.get("roleName"),
                qp.get("databaseName"),
                qp.get("schemaName"),
                qp.get("warehouse"),
            )
        except LoginError as e:
            return JSONResponse(
                {
                    "data": {"nextAction": None, "authnMethod": "PASSWORD"},
                    "code": e.code,
                    "message": e.message,
                    "success": False,
                }
            )
        params = body.get("SESSION_PARAMETERS", {})
        if params.get("AUTOCOMMIT") is False:
            session.conn.autocommit(False)
        return JSONResponse(
            {
                "data": {
                    "token": session.token,
                    "masterToken": session.token,
                    "serverVersion": SERVER_VERSION,
                    "parameters": [
                        {"name": "AUTOCOMMIT", "value": params.get("AUTOCOMMIT", True)},
                        {"name": "CLIENT_SESSION_KEEP_ALIVE_HEARTBEAT_FREQUENCY", "value": 3600},
                        {"name": "CLIENT_STAGE_ARRAY_BINDING_THRESHOLD", "value": 0},
                    ],
                    "sessionInfo": {
                        "databaseName": session.database,
                        "schemaName": session.schema,
                        "roleName": session.role,
                        "warehouseName": session.warehouse,
                    },
                },
                "success": True,
            }
        )

    running: dict[str, asyncio.Task[JSONResponse]] = {}

    async def answer(qid: str, task: asyncio.Task[JSONResponse]) -> JSONResponse:
        done, _ = await asyncio.wait({task}, timeout=IN_PROGRESS_AFTER_S)
        if not done:
            running[qid] = task
            return JSONResponse({"code": "333333", "message": "query in progress", "success": True,
                                 "data": {"getResultUrl": f"/queries/{qid}/result", "queryId": qid}})
        running.pop(qid, None)
        return task.result()

    async def query(request: Request) -> JSONResponse:
        session = session_of(request)
        if isinstance(session, JSONResponse):
            return session
        body = await _json_body(request)
        qid = _qid()
        return await answer(qid, asyncio.ensure_future(run_query(session, body, qid)))

    async def query_result(request: Request) -> JSONResponse:
        session = session_of(request)
        if isinstance(session, JSONResponse):
            return session
        task = running.get(request.path_params["qid"])
        if task is None:
            return JSONResponse(wire.error_body("000709", "Statement not found."))
        return await answer(request.path_params["qid"], task)

    async def run_query(session: Session, body: dict[str, Any], qid: str) -> JSONResponse:
        sql_text: str = body["sqlText"]
        params, batch = wire.decode_bindings(body.get("bindings"))
        try:
            if body.get("describeOnly"):
                described = await run_in_threadpool(_describe_only, session, sql_text)
                if described is not None:
                    return JSONResponse({"data": {**described, "queryId": _qid(), **_final(session)}, "success": True})
            data = await run_in_threadpool(dispatch.execute, server, session, sql_text, params, batch)
        except (ProgrammingError, DatabaseError) as e:
            log.info("statement failed: %s (%s)", e.msg, e.errno)
            code = f"{e.errno:06d}" if e.errno is not None and e.errno >= 0 else "000603"
            return JSONResponse(wire.error_body(code, e.msg or str(e), e.sqlstate))
        except Exception as e:
            log.exception("unhandled error for %r", sql_text)
            # HTTP 200 on purpose: the connector retries 5xx for minutes; fail the statement at once
            return JSONResponse(wire.error_body("000603", f"internal emulator error: {type(e).__name__}: {e}"))
        return JSONResponse(
            {
                "data": {
                    "parameters": [{"name": "TIMEZONE", "value": "Etc/UTC"}],
                    "queryId": qid,
                    **_final(session),
                    **data,
                },
                "success": True,
            }
        )

    async def session_route(request: Request) -> JSONResponse:
        session = session_of(request)
        if isinstance(session, JSONResponse):
            return session
        if request.query_params.get("delete"):
            await run_in_threadpool(server.close_session, session.token)
        return JSONResponse({"data": None, "code": None, "message": None, "success": True})

    async def abort(_: Request) -> JSONResponse:
        return JSONResponse({"success": True})

    async def monitoring(request: Request) -> JSONResponse:
        return JSONResponse({"data": {"queries": [{"status": "SUCCESS"}]}, "success": True})

    routes = [
        Route("/session/v1/login-request", login, methods=["POST"]),
        Route("/session", session_route, methods=["POST"]),
        Route("/session/heartbeat", session_route, methods=["POST"]),
        Route("/session/token-request", session_route, methods=["POST"]),
        Route("/queries/v1/query-request", query, methods=["POST"]),
        Route("/queries/{qid}/result", query_result, methods=["GET"]),
        Route("/queries/v1/abort-request", abort, methods=["POST"]),
        Route("/monitoring/queries/{sfqid}", monitoring, methods=["GET"]),
        Route("/telemetry/send", abort, methods=["POST"]),  # the connector's client telemetry: accepted, dropped
    ]

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        await run_in_threadpool(server.close)

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.server = server
    return app


def _qid() -> str:
    import uuid

    return str(uuid.uuid4())


def _final(session: Session) -> dict[str, Any]:
    return {
        "finalDatabaseName": session.database,
        "finalSchemaName": session.schema,
        "finalRoleName": session.role,
        "finalWarehouseName": session.warehouse,
    }


def _describe_only(session: Session, sql_text: str) -> dict[str, Any] | None:
    """Describe a SELECT/DML without running it (the connector asks before some batches)."""
    from fakesnow.dialect import parse_one
    from fakesnow.rowtype import describe_as_rowtype
    from fakesnow.statement_type import INSERT, SELECT
    from sqlglot import exp

    with session.lock:
        try:
            expr = parse_one(dispatch.clean(sql_text))
        except ProgrammingError:
            return None
        if not isinstance(expr, exp.Select | exp.Insert | exp.Update | exp.Delete):
            return None
        cur = session.conn.cursor()
        described = cur._describe_only(dispatch.clean(sql_text))
    if described is None:
        return None
    type_id = statement_type_id(expr)
    result = (
        {"queryResultFormat": "arrow", "rowsetBase64": ""}
        if type_id == SELECT
        else {"queryResultFormat": "json", "rowset": []}
    )
    return {
        "rowtype": describe_as_rowtype(described),
        "total": 0,
        "returned": 0,
        "statementTypeId": type_id,
        "numberOfBinds": len(list(expr.find_all(exp.Placeholder))),
        "arrayBindSupported": type_id == INSERT,
        **result,
    }
