"""What the sections of `cortex:spec` share: strict entries, the training fields of models[] and
releases[] (a base model in any case, one training source, options with null meaning "left out"). One
definition, so both sections accept the same spellings and refuse the same mistakes alike."""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from cortex_provider import catalogue


def _options_or_default(value: Any) -> Any:
    """`options: null` (or a bare `options:` in YAML) is the same as leaving options out."""
    return default_options() if value is None else value


def default_options() -> dict[str, Any]:
    """Options of a model or release that leaves them out: one epoch (the demo's choice). `options: {}`
    leaves max_epochs unset, so Snowflake chooses (catalogue.epochs_assumed says what the plan assumes)."""
    return {"max_epochs": 1}


# llama3.1-8b is the current fine-tunable model; the older five are still accepted (adoption);
# llama3.2-1b/3b were never fine-tunable (catalogue.rejection says so).
BaseModelName = Annotated[str, AfterValidator(catalogue.canonical)]
Options = Annotated[dict[str, Any], BeforeValidator(_options_or_default)]


class Strict(BaseModel):
    """An entry of the spec: an unknown key is an error (a typo never passes silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Trained(Strict):
    """What a model and a release are trained from: a base model, exactly one training source (a view of
    training_views or a query), at most one validation source, and FINETUNE's options."""

    name: str
    base_model: BaseModelName
    training_view: str | None = Field(None, description="name of an entry in training_views")
    training_query: str | None = None
    validation_view: str | None = None
    validation_query: str | None = None
    options: Options = Field(default_factory=default_options)
    timeout_minutes: int = Field(120, gt=0)
    retain_on_delete: bool = True

    @model_validator(mode="after")
    def _one_training_source(self) -> Self:
        if (self.training_view is None) == (self.training_query is None):
            raise ValueError("give exactly one of `training_view` or `training_query`")
        if self.validation_view is not None and self.validation_query is not None:
            raise ValueError("give at most one of `validation_view` or `validation_query`")
        return self
