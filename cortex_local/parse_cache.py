"""Each statement's text is parsed once. Dispatch parses it for the handlers, then fakesnow parses the
same text again before running it; this memo, keyed by the text, hands both a copy of one tree (a copy
costs about a sixth of a parse of a pre-flight query). Repeated statements (a SHOW VIEWS after each
view's CREATE, a preview's probes sent again by `up`) hit it too. Parsing is a pure function of the text
(fakesnow.dialect.parse_one, Snowflake's grammar); a text that fails to parse is never stored, so its
syntax error is raised every time."""

from __future__ import annotations

import threading
from collections import OrderedDict

from fakesnow import cursor as fakesnow_cursor
from fakesnow.dialect import parse_one as parse_text
from sqlglot import Expr

SIZE = 256  # statements kept (least recently used dropped)

_trees: OrderedDict[str, Expr] = OrderedDict()
_lock = threading.Lock()


def parse_one(sql: str) -> Expr:
    """A tree of `sql` the caller may change (transforms rewrite it in place): always a copy."""
    with _lock:
        tree = _trees.get(sql)
        if tree is not None:
            _trees.move_to_end(sql)
    if tree is None:
        tree = parse_text(sql)
        with _lock:
            _trees[sql] = tree
            if len(_trees) > SIZE:
                _trees.popitem(last=False)
    return tree.copy()


def install() -> None:
    """fakesnow's cursor parses through the memo too (it looks `parse_one` up in its module)."""
    fakesnow_cursor.parse_one = parse_one  # type: ignore[attr-defined]
