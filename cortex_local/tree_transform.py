"""sqlglot's `Expression.transform` as one loop instead of nested generators.

fakesnow rewrites each statement's tree in ~76 passes (`Expression.transform`, once per rewrite), so a
pre-flight query's tree is walked ~76 times; sqlglot's walk is three generators deep (`transform` over
`dfs` over `iter_expressions`), and their resumptions were most of the emulator's time in a pre-flight.
`transform` below is the same algorithm on an explicit stack: the same visiting order (depth first,
children pushed last argument first, each node's children read after `fun` ran on it), the same pruning
(a node `fun` replaced is not descended into), the same in-place replacement and the same result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlglot.expressions.core import Expr, Expression

SQLGLOT_TRANSFORM = Expression.transform  # sqlglot's own, kept for the equivalence tests


def transform(self: Expression, fun: Callable[..., Any], *args: object, copy: bool = True,
              **kwargs: object) -> Any:
    """Apply `fun` to every node, depth first, replacing the nodes it returns anew (sqlglot's contract)."""
    if args or kwargs:
        given = fun
        fun = lambda node: given(node, *args, **kwargs)  # noqa: E731
    root: Any = None
    stack: list[Any] = [self.copy() if copy else self]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        parent, arg_key, index = node.parent, node.arg_key, node.index
        new_node = fun(node)
        if not root:
            root = new_node
        elif new_node is not node and parent and arg_key:
            parent.set(arg_key, new_node, index)
        if new_node is not node:  # sqlglot's prune: a replaced node's old children are not visited
            continue
        for value in reversed(node.args.values()):
            if isinstance(value, list):
                for child in reversed(value):
                    if isinstance(child, Expr):
                        push(child)
            elif isinstance(value, Expr):
                push(value)
    assert root
    return root


def install() -> None:
    """Every tree in the emulator's process transforms through the loop above."""
    Expression.transform = transform  # type: ignore[method-assign]
