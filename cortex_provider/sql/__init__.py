"""Layer (1): typed SQL for Snowflake Cortex fine-tuning. No Pulumi, no I/O.

Identifiers and literals render user input safely; statement builders are validated dataclasses
with a `kind` and `sql()`; parsers turn SHOW/DESCRIBE rows (keyed by column name) into dataclasses.
"""

from cortex_provider.errors import InvalidIdentifier, InvalidInput, InvalidLiteral, ParseError
from cortex_provider.sql.identifiers import AccountName, Identifier, QualifiedName, SchemaName
from cortex_provider.sql.statement import Statement, UserQuery

__all__ = [
    "AccountName",
    "Identifier",
    "InvalidIdentifier",
    "InvalidInput",
    "InvalidLiteral",
    "ParseError",
    "QualifiedName",
    "SchemaName",
    "Statement",
    "UserQuery",
]
