"""The offline runner's `up`/`preview` step semantics against a toy dynamic provider."""

from __future__ import annotations

from cortex_provider.offline import BANNER
from tests.offline.conftest import ToyProject

TWO = """
a = Thing("a", {"size": 1})
b = Thing("b", {"size": 2, "upstream": a.arn})
pulumi.export("b_upstream", b.upstream)
"""


def test_up_from_empty_creates_in_dependency_order_and_flows_outputs(toy: ToyProject) -> None:
    toy.program(TWO)
    res = toy.up()
    assert res.ok, res.errors
    assert toy.lines[0] == BANNER
    assert res.ops() == {"toy-test": "create", "a": "create", "b": "create"}
    creates = toy.log("create")
    assert [e[1].split("-")[0] for e in creates] == ["a", "b"]
    a_id = creates[0][1]
    # A's output (computed by its Create) became B's input, in the real object and the outputs.
    assert toy.world()["objects"][creates[1][1]]["upstream"] == f"toy::{a_id}"
    assert res.outputs == {"b_upstream": f"toy::{a_id}"}
    assert "Resources: 3 created" in toy.lines
    assert any(line.strip().startswith("b_upstream:") for line in toy.lines)


def test_second_up_is_all_same_without_mutating_calls(toy: ToyProject) -> None:
    toy.program(TWO)
    assert toy.up().ok
    before = toy.mutations()
    res = toy.up()
    assert res.ok
    assert set(res.ops().values()) == {"same"}
    assert not {"Create", "Update", "Delete"} & set(res.methods())
    assert res.methods().count("Diff") == 2
    assert toy.mutations() == before
    assert "Resources: 3 unchanged" in toy.lines


def test_changed_property_updates_in_place(toy: ToyProject) -> None:
    toy.program(TWO)
    toy.up()
    a_id = toy.log("create")[0][1]
    toy.program(TWO.replace('{"size": 1}', '{"size": 5}'))
    res = toy.up(show_diff=True)
    assert res.ok
    assert res.ops()["a"] == "update" and res.ops()["b"] == "same"
    step = next(s for s in res.steps if s.name == "a")
    assert step.changed == ["size"]
    assert toy.mutations()[-1] == ["update", a_id]
    assert toy.world()["objects"][a_id]["size"] == 5
    assert any("size: 1.0 => 5" in line for line in toy.lines)


def test_replace_is_create_before_delete_by_default(toy: ToyProject) -> None:
    toy.program('x = Thing("x", {"size": 1})\n')
    toy.up()
    old_id = toy.log("create")[0][1]
    toy.program('x = Thing("x", {"size": 1, "name": "renamed"})\n')
    res = toy.up()
    assert res.ok, res.errors
    assert res.ops()["x"] == "replace"
    tail = toy.mutations()[-2:]
    assert tail[0][0] == "create" and tail[0][1].startswith("renamed")
    assert tail[1] == ["delete", old_id]
    assert [s.op for s in res.steps if s.name == "x"] == ["replace", "delete-replaced"]
    rows = [r for r in toy.state()["resources"] if r["custom"]]
    assert len(rows) == 1 and rows[0]["id"] == tail[0][1]


def test_delete_before_replace_option_and_provider_request(toy: ToyProject) -> None:
    toy.program("""
opt = Thing("opt", {"size": 1}, pulumi.ResourceOptions(delete_before_replace=True))
prov = Thing("prov", {"size": 1, "provider_dbr": True})
""")
    toy.up()
    ids = {e[1].split("-")[0]: e[1] for e in toy.log("create")}
    toy.program("""
opt = Thing("opt", {"size": 1, "name": "opt2"}, pulumi.ResourceOptions(delete_before_replace=True))
prov = Thing("prov", {"size": 1, "provider_dbr": True, "name": "prov2"})
""")
    res = toy.up()
    assert res.ok, res.errors
    assert res.ops() == {"toy-test": "same", "opt": "replace", "prov": "replace"}
    ops = [(op, obj.rsplit("-", 1)[0]) for op, obj in toy.mutations()[-4:]]
    assert ops == [("delete", "opt"), ("create", "opt2"), ("delete", "prov"), ("create", "prov2")]
    assert ["delete", ids["opt"]] in toy.mutations()


def test_replace_on_changes_option_forces_replacement(toy: ToyProject) -> None:
    toy.program('r = Thing("r", {"size": 1}, pulumi.ResourceOptions(replace_on_changes=["size"]))\n')
    toy.up()
    toy.program('r = Thing("r", {"size": 2}, pulumi.ResourceOptions(replace_on_changes=["size"]))\n')
    res = toy.up()
    assert res.ops()["r"] == "replace"
    assert [e[0] for e in toy.mutations()[-2:]] == ["create", "delete"]


def test_removed_resources_are_deleted_in_reverse_dependency_order(toy: ToyProject) -> None:
    toy.program("""
c = Thing("c", {"size": 1})
b = Thing("b", {"size": 1, "upstream": c.arn})
a = Thing("a", {"size": 1}, pulumi.ResourceOptions(depends_on=[b]))
keep = Thing("keep", {"size": 1})
g = Group("g")
""")
    toy.up()
    toy.program('keep = Thing("keep", {"size": 1})\n')
    res = toy.up()
    assert res.ok, res.errors
    deleted = [e[1].rsplit("-", 1)[0] for e in toy.log("delete")]
    assert deleted.index("a") < deleted.index("b") < deleted.index("c")
    assert "g-member" in deleted
    assert [s.name for s in res.steps if s.op == "delete"][-1] != "g-member"  # child before parent
    assert toy.state_names() == ["keep"]
    assert res.ops()["keep"] == "same"


def test_protect_blocks_delete_and_replace(toy: ToyProject) -> None:
    toy.program('p = Thing("p", {"size": 1}, pulumi.ResourceOptions(protect=True))\n')
    toy.up()
    toy.program('p = Thing("p", {"size": 1, "name": "other"}, pulumi.ResourceOptions(protect=True))\n')
    res = toy.up()
    assert not res.ok and "protect" in res.errors[0]
    toy.program("pass\n")
    res = toy.up()
    assert not res.ok and "protect" in res.errors[0]
    assert toy.log("delete") == [] and toy.state_names() == ["p"]


def test_preview_makes_no_mutating_calls_and_leaves_state_alone(toy: ToyProject) -> None:
    toy.program(TWO)
    toy.up()
    state_before = toy.state_path.read_bytes()
    world_before = toy.mutations()
    toy.program('a = Thing("a", {"size": 9})\nn = Thing("n", {"size": 1, "upstream": a.arn})\n')
    res = toy.preview()
    assert res.ok, res.errors
    assert res.ops() == {"toy-test": "same", "a": "update", "n": "create", "b": "delete"}
    assert set(res.methods()) <= {"Configure", "Check", "Diff"}
    assert toy.state_path.read_bytes() == state_before
    assert toy.mutations() == world_before
    assert "Resources: 1 to create, 1 to update, 1 to delete, 1 unchanged" in toy.lines


def test_failed_create_stops_the_run_and_a_fixed_rerun_continues(toy: ToyProject) -> None:
    toy.program('a = Thing("a", {"size": 1})\nb = Thing("b", {"fail": True, "upstream": a.arn})\n')
    res = toy.up()
    assert not res.ok
    assert "toy create failed on purpose for b" in res.errors[0]
    assert toy.state_names() == ["a"]
    assert toy.state()["pending_operations"] == []
    toy.program('a = Thing("a", {"size": 1})\nb = Thing("b", {"upstream": a.arn})\n')
    res = toy.up()
    assert res.ok and res.ops()["a"] == "same" and res.ops()["b"] == "create"


def test_check_failure_names_the_field(toy: ToyProject) -> None:
    toy.program('a = Thing("a", {"name": 3})\n')
    res = toy.up()
    assert not res.ok
    assert "check failed: name: name must be a string" in res.errors[0]
    assert "Create" not in res.methods()


def test_non_dynamic_resource_is_a_clear_error(toy: ToyProject) -> None:
    toy.program('bucket = pulumi.CustomResource("aws:s3/bucket:Bucket", "bucket", {})\n')
    res = toy.up()
    assert not res.ok
    assert "supports only pulumi.dynamic resources" in res.errors[0]


def test_failing_program_deletes_nothing(toy: ToyProject) -> None:
    toy.program(TWO)
    toy.up()
    toy.program('a = Thing("a", {"size": 1})\nraise ValueError("bad stack config: fix it")\n')
    res = toy.up()
    assert not res.ok
    assert "the program failed" in res.errors[0] and "bad stack config: fix it" in res.errors[0]
    assert toy.log("delete") == [] and toy.state_names() == ["a", "b"]


def test_ignore_changes_keeps_the_old_value(toy: ToyProject) -> None:
    toy.program('i = Thing("i", {"size": 1}, pulumi.ResourceOptions(ignore_changes=["size"]))\n')
    toy.up()
    toy.program('i = Thing("i", {"size": 7}, pulumi.ResourceOptions(ignore_changes=["size"]))\n')
    res = toy.up()
    assert res.ops()["i"] == "same"
    assert "Update" not in res.methods()
