"""StackReference under the offline runner: outputs come from the referenced stack's state file."""

from __future__ import annotations

from cortex_provider.offline import run_up
from cortex_provider.offline.stackref import state_file
from tests.offline.conftest import TOKEN, ToyProject

# One program, two stacks: `test` exports values (one secret); `reader` consumes them.
PROGRAM = """
if pulumi.get_stack() == "test":
    a = Thing("a", {"size": 3})
    pulumi.export("arn", a.arn)
    pulumi.export("token", cfg.require_secret("token"))
else:
    ref = pulumi.StackReference(cfg.get("source") or "organization/toy/test")
    pulumi.export("upstream_arn", ref.get_output("arn"))
    pulumi.export("upstream_token", ref.get_output("token"))
    pulumi.export("missing_is_none", ref.get_output("nope").apply(lambda v: v is None))
    pulumi.export("token_is_secret", ref.get_output("token").is_secret())
    pulumi.export("arn_is_secret", ref.get_output("arn").is_secret())
"""


def _reader(toy: ToyProject, source: str | None = None) -> None:
    config = f"config:\n  toy:world: {toy.world_path}\n" + (f"  toy:source: {source}\n" if source else "")
    (toy.dir / "stacks" / "Pulumi.reader.yaml").write_text(config)


def test_reference_reads_the_other_stacks_outputs_and_keeps_secrets_secret(toy: ToyProject) -> None:
    toy.program(PROGRAM)
    _reader(toy)
    first = toy.up()
    assert first.ok, first.errors
    res = run_up(toy.dir, "reader", printer=toy.lines.append)
    assert res.ok, res.errors
    assert res.outputs["upstream_arn"] == first.outputs["arn"]
    assert res.outputs["upstream_token"] == TOKEN
    assert res.outputs["missing_is_none"] is True
    assert res.outputs["token_is_secret"] is True and res.outputs["arn_is_secret"] is False
    assert any("read" in line and "pulumi:pulumi:StackReference" in line for line in toy.lines)
    assert "    upstream_token: \"[secret]\"" in toy.lines
    reader_state = (toy.dir / ".pulumi-local" / "reader.json").read_text()
    assert TOKEN not in reader_state  # the consumer's checkpoint holds it encrypted
    assert "StackReference" not in reader_state  # a read, not a managed resource


def test_reference_follows_new_outputs_of_the_referenced_stack(toy: ToyProject) -> None:
    toy.program(PROGRAM)
    _reader(toy, source="test")  # a bare stack name works as well
    assert toy.up().ok
    assert run_up(toy.dir, "reader", printer=toy.lines.append).outputs["upstream_arn"].startswith("toy::a-")
    toy.program(PROGRAM.replace('pulumi.export("arn", a.arn)', 'pulumi.export("arn", "changed")'))
    assert toy.up().ok
    assert run_up(toy.dir, "reader", printer=toy.lines.append).outputs["upstream_arn"] == "changed"


def test_reference_to_a_stack_without_state_fails_with_the_fix(toy: ToyProject) -> None:
    toy.program(PROGRAM)
    _reader(toy, source="organization/toy/never-deployed")
    res = run_up(toy.dir, "reader", printer=toy.lines.append)
    assert not res.ok
    assert "unknown stack 'organization/toy/never-deployed'" in res.errors[0]
    assert "run `up` for that stack first" in res.errors[0]
    assert state_file(toy.dir, "org/proj/dev").name == "dev.json"
