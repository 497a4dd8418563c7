"""How a provider is pickled into `__provider` (pulumi/restore.py): a class reference named relative to
cortex_provider.pulumi, restored in the provider process; states written before keep their absolute
names and still restore."""

from __future__ import annotations

import base64
import pickle

import dill

from cortex_provider.pulumi.grants import CortexUserGrantProvider
from cortex_provider.pulumi.training_view import TrainingViewProvider

# CortexUserGrant's `__provider` as states written before relative names hold it
ABSOLUTE = ("gASVdQAAAAAAAACMHmNvcnRleF9wcm92aWRlci5wdWx1bWkucmVzdG9yZZSMEHJlc3RvcmVfcHJvdmlkZXKUk5SMHWNvcnRleF9w"
            "cm92aWRlci5wdWx1bWkuZ3JhbnRzlIwXQ29ydGV4VXNlckdyYW50UHJvdmlkZXKUhpRSlC4=")


def _serialized(provider: object) -> bytes:
    return dill.dumps(provider, protocol=pickle.DEFAULT_PROTOCOL, recurse=True)  # as pulumi.dynamic does


def test_a_provider_pickles_as_its_class_named_relative_to_the_package() -> None:
    for provider in (CortexUserGrantProvider(), TrainingViewProvider()):
        raw = _serialized(provider)
        assert b"cortex_provider.pulumi.grants" not in raw and b"cortex_provider.pulumi.training_view" not in raw
        assert type(pickle.loads(raw)) is type(provider)
    assert len(base64.b64encode(_serialized(CortexUserGrantProvider()))) < len(ABSOLUTE)


def test_a_state_written_with_absolute_names_still_restores() -> None:
    assert type(pickle.loads(base64.b64decode(ABSOLUTE))) is CortexUserGrantProvider
