"""Simulate an import killed in the middle of a file: one helper for every importer's test."""

from __future__ import annotations

from typing import Any

import pytest


def kill_at_batch(monkeypatch: pytest.MonkeyPatch, importer: type, number: int) -> None:
    """Make ``importer.process`` raise at its ``number``-th batch (the earlier ones commit),
    as if the process had been killed there."""
    original = importer.process  # type: ignore[attr-defined]
    calls = {"n": 0}

    def process(self: Any, rows: Any, run: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == number:
            raise RuntimeError("killed")
        return original(self, rows, run)

    monkeypatch.setattr(importer, "process", process)
