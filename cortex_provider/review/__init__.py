"""Review tooling for model changes: guardrail rules (policies.py) shared with the policy pack in
policy/, and the pull-request comment (`python -m cortex_provider.review comment --stack NAME`)."""
