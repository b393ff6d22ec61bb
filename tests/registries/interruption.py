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


def assert_resumed(interrupted_pk: int, expected: tuple[Any, ...], rejects: list[Any]) -> None:
    """The re-run resumed the interrupted run and ended with an uninterrupted run's report
    (rows read, created, skipped, rejected) and rejects."""
    from frenchimpact.registries.models import ImportReject, ImportRun, ImportStatus

    resumed = ImportRun.objects.get()
    assert resumed.pk == interrupted_pk
    assert resumed.status == ImportStatus.COMPLETED
    assert "Reprise" in resumed.message
    assert (resumed.rows_read, resumed.created, resumed.skipped, resumed.rejected) == expected
    assert list(ImportReject.objects.order_by("line").values_list("line", "reason")) == rejects
