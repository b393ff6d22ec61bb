"""Files written during a unit of work that may still fail."""

from __future__ import annotations

import uuid
import zipfile
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


ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
# Detected type → (extension, content type served on download).
ATTACHMENT_TYPES = {
    "pdf": (".pdf", "application/pdf"),
    "png": (".png", "image/png"),
    "jpeg": (".jpg", "image/jpeg"),
    "odt": (".odt", ODT_MIMETYPE.decode()),
    "docx": (
        ".docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
}


def _sniff(upload: UploadedFile) -> str | None:
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if not head.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.read("mimetype").strip() == ODT_MIMETYPE:
                return "odt"
            if "word/document.xml" in names and "[Content_Types].xml" in names:
                return "docx"
    except (zipfile.BadZipFile, OSError, KeyError):
        return None
    finally:
        upload.seek(0)
    return None


def validate_document(upload: UploadedFile, limit: int) -> None:
    """A PDF, PNG, JPEG, ODT or DOCX judged from its content (magic bytes; neither the name
    nor the announced type are trusted), no larger than ``limit`` bytes. Renames the upload
    to a random name with the detected extension and sets its content type."""
    check_upload_size(upload, limit)
    size = upload.size or 0
    if size == 0:
        raise ValidationError(_("Le fichier est vide."), code="empty_file")
    kind = _sniff(upload)
    if kind is None:
        raise ValidationError(
            _(
                "Le fichier n’est pas au format PDF, PNG, JPEG, ODT ou DOCX (son contenu a été "
                "vérifié, pas seulement son nom)."
            ),
            code="file_type",
        )
    extension, content_type = ATTACHMENT_TYPES[kind]
    upload.name = f"{uuid.uuid4().hex}{extension}"
    upload.content_type = content_type
