"""Files written during a unit of work that may still fail."""

from __future__ import annotations

from types import TracebackType

from django.db.models.fields.files import FieldFile


class NewFiles:
    """Delete the files stored inside the block if the block fails.

    A rolled-back transaction takes the rows back, not what the storage wrote: without this,
    a failed multi-step save would leave orphan uploads. Track only files this block stored
    (never a record's existing file)::

        with NewFiles() as new_files, transaction.atomic():
            record.save()
            new_files.track(record.logo)
    """

    def __init__(self) -> None:
        self._files: list[tuple[object, str]] = []

    def track(self, fieldfile: FieldFile | None) -> None:
        if fieldfile and fieldfile.name:
            self._files.append((fieldfile.storage, fieldfile.name))

    def __enter__(self) -> NewFiles:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            return
        for storage, name in self._files:
            storage.delete(name)  # type: ignore[attr-defined]
