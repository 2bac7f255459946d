"""Fixtures of the knowledge tests: the hand-worked dataset of dataset.py."""

from __future__ import annotations

from typing import Any

import pytest

from tests.knowledge.dataset import Acme, build_acme


@pytest.fixture
async def acme(factory: Any) -> Acme:
    return await build_acme(factory)
