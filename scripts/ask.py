"""Ask the local stack's fine-tuned model (and its base model, for contrast) through COMPLETE.

    .venv/bin/python scripts/ask.py "Extract the condition from: ..." [--model DB.SCHEMA.NAME]

Talks to the embedded emulator through snowflake-connector-python, like any Snowflake client.
"""

from __future__ import annotations

import argparse
import os

import snowflake.connector


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prompt")
    parser.add_argument("--model", default="CORTEX_DEMO.MODELS.SUPPORT_EXTRACTOR")
    parser.add_argument("--base-model", default="llama3.1-8b")
    parser.add_argument("--account", default="LOCAL")
    parser.add_argument("--port", type=int, default=int(os.environ.get("CORTEX_LOCAL_PORT", "18765")))
    args = parser.parse_args()
    conn = snowflake.connector.connect(
        account=args.account, user="ADMIN", password=os.environ.get("SNOWFLAKE_PASSWORD", "local-admin"),
        host="127.0.0.1", port=args.port, protocol="http",
    )
    cur = conn.cursor()
    for label, model in (("fine-tuned " + args.model, args.model), ("base " + args.base_model, args.base_model)):
        row = cur.execute("SELECT SNOWFLAKE.CORTEX.COMPLETE(%s, %s)", (model, args.prompt)).fetchone()
        print(f"{label}:\n  {row[0] if row else None}\n")


if __name__ == "__main__":
    main()
