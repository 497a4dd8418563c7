"""The package root: every resource, its args type and ModelRelease exported; importing the package or
its SQL/resources layers never imports Pulumi (lazy module __getattr__)."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pydantic
import pytest

import cortex_provider as cortex

RESOURCES = ("CortexUserGrant", "ModelCreatorGrant", "ModelUsageGrant", "TrainingView", "FineTunedModel",
             "ModelRelease", "ModelEvaluation", "DistillationDataset", "ModelShare", "ModelReplication")


def _imports_pulumi(code: str) -> bool:
    out = subprocess.run([sys.executable, "-c", f"{code}\nimport sys\nprint('pulumi' in sys.modules)"],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip().endswith("True")


def test_root_and_lower_layers_do_not_import_pulumi() -> None:
    assert not _imports_pulumi("import cortex_provider")
    assert not _imports_pulumi("import cortex_provider.sql.endpoint, cortex_provider.resources.release")
    assert not _imports_pulumi("import cortex_provider as c; c.ModelReleaseArgs")
    assert _imports_pulumi("import cortex_provider as c; c.FineTunedModel")


@pytest.mark.parametrize("name", RESOURCES)
def test_every_resource_and_args_type_is_exported_typed_and_documented(name: str) -> None:
    cls = getattr(cortex, name)
    assert inspect.isclass(cls) and cls.__doc__ and name in cortex.__all__
    params = inspect.signature(cls.__init__).parameters
    assert "resource_name" in params and "opts" in params
    assert all(p.annotation is not inspect.Parameter.empty for k, p in params.items() if k != "self")
    args = getattr(cortex, f"{name}Args")
    assert issubclass(args, pydantic.BaseModel) and f"{name}Args" in cortex.__all__


def test_args_types_validate_and_unknown_names_fail() -> None:
    spec = cortex.ModelReleaseArgs.model_validate({"name": "DB.S.SUP", "base_model": "llama3.1-8b",
                                                   "training_query": "SELECT 'p' AS prompt, 'c' AS completion"})
    assert spec.endpoint.sql() == "DB.S.SUP" and spec.version_spec(2).name == "DB.S.SUP_V2"
    with pytest.raises(pydantic.ValidationError):
        cortex.ModelReleaseArgs.model_validate({"name": "DB.S.SUP", "base_model": "nope", "training_query": "x"})
    with pytest.raises(AttributeError):
        _ = cortex.NoSuchResource  # type: ignore[attr-defined]
