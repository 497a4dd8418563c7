"""Policy pack entry point: `pulumi preview --policy-pack policy` starts this as the analyzer."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # cortex_policies, beside this file
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))  # cortex_provider, from the repo

from cortex_policies import POLICIES
from pulumi_policy import PolicyPack

PolicyPack(name="cortex-guardrails", policies=POLICIES)
