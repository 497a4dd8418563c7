"""The Pulumi program: builds every resource from the stack's declarative `cortex:spec` config."""

from cortex_provider.program.main import main

main()
