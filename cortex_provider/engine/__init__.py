"""The real Pulumi engine, driven through its Automation API.

`python -m cortex_provider.engine up|preview|refresh|destroy|... --stack NAME` runs the program in
`cortex_provider.program` as an inline Automation API program against the `pulumi` CLI this project
builds (scripts/pulumi-cli.sh): the CLI is the engine (plan, state, secrets, dynamic-provider plugins,
StackReference, policy packs); only the Python language host is served from the Python SDK itself,
because its Go module is not available from the Go module proxy here (docs/operations.md, "The engine").
"""

from cortex_provider.engine.cli import PULUMI_VERSION, EngineSetupError, find_pulumi
from cortex_provider.engine.verbs import VerbResult, open_stack, run_verb

__all__ = ["PULUMI_VERSION", "EngineSetupError", "VerbResult", "find_pulumi", "open_stack", "run_verb"]
