"""Files written during a unit of work that may still fail."""

from __future__ import annotations

from types import TracebackType

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _


def check_upload_size(upload: UploadedFile, limit: int) -> None:
    """Refuse an upload larger than ``limit`` bytes, saying both sizes in megabytes."""
    size = upload.size or 0
    if size > limit:
        raise ValidationError(
            _("Le fichier pèse %(size)s Mo : la taille maximale est de %(limit)s Mo.")
            % {
                "size": f"{size / 1024 / 1024:.1f}".replace(".", ","),
                "limit": f"{limit / 1024 / 1024:g}".replace(".", ","),
            },
            code="file_size",
        )


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
