"""`python -m cortex_provider.plugin ENGINE_ADDRESS`: the provider plugin (plugin/pulumi-resource-cortex
runs this); `python -m cortex_provider.plugin schema`: print the package schema (plugin/schema.json)."""

from __future__ import annotations

import sys

from cortex_provider.plugin.schema import VERSION, schema_text


def main(argv: list[str]) -> int:
    if argv[:1] == ["schema"]:
        sys.stdout.write(schema_text())
        return 0
    if argv[:1] in (["--version"], ["version"]):
        print(VERSION)
        return 0
    if not argv:
        print(
            "usage: pulumi-resource-cortex ENGINE_ADDRESS | schema | --version "
            "(the Pulumi engine starts it with its address)",
            file=sys.stderr,
        )
        return 2
    from cortex_provider.plugin.server import serve

    serve(argv, VERSION)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
