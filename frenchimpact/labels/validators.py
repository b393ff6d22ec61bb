"""Checks of what applicants send: attachments (sniffed by content) and territory codes."""

from __future__ import annotations

import re
import uuid
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from frenchimpact.core.files import check_upload_size
from frenchimpact.territories.models import Region

from .enums import TerritoryLevel

DEFAULT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
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


def attachment_max_bytes() -> int:
    return int(getattr(settings, "LABEL_ATTACHMENT_MAX_BYTES", DEFAULT_ATTACHMENT_MAX_BYTES))


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


def validate_attachment(upload: UploadedFile) -> None:
    """A PDF, PNG, JPEG, ODT or DOCX judged from its content (magic bytes; neither the name
    nor the announced type are trusted), no larger than LABEL_ATTACHMENT_MAX_BYTES. Renames
    the upload to a random name with the detected extension and sets its content type."""
    limit = attachment_max_bytes()
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


CODE_FORMATS = {
    TerritoryLevel.REGION: (re.compile(r"^[0-9]{2}$"), _("2 chiffres (par exemple 53)")),
    TerritoryLevel.DEPARTMENT: (
        re.compile(r"^([0-9]{2}|2A|2B|97[1-6])$"),
        _("2 ou 3 caractères (par exemple 35, 2A ou 974)"),
    ),
    TerritoryLevel.EPCI: (
        re.compile(r"^2[0-9]{8}$"),
        _("le SIREN à 9 chiffres (par exemple 243500139)"),
    ),
    TerritoryLevel.COMMUNE: (
        re.compile(r"^([0-9]{2}|2A|2B)[0-9]{3}$"),
        _("5 caractères (par exemple 35238 ou 2A004)"),
    ),
}


def resolve_territory(*, level: str, code: str) -> tuple[str, str, Region | None]:
    """(code, official name or "", Region) of a territory; raises a French ValidationError.

    Regions and departments must exist in the territories tables (COG); EPCI and communes are
    checked against the tables when they hold them, otherwise by the format of the code."""
    from frenchimpact.territories.models import Commune, Department, Epci

    code = (code or "").strip().upper()
    if level not in TerritoryLevel.values:
        raise ValidationError(_("Choisissez le niveau du territoire."), code="territory_level")
    pattern, expected = CODE_FORMATS[TerritoryLevel(level)]
    if not pattern.match(code):
        raise ValidationError(
            _("Le code COG « %(code)s » n’a pas le bon format : attendu %(expected)s.")
            % {"code": code, "expected": expected},
            code="territory_code",
        )
    if level == TerritoryLevel.REGION:
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise ValidationError(
                _("Aucune région n’a le code COG « %(code)s ».") % {"code": code},
                code="territory_unknown",
            )
        return code, region.nom, region
    if level == TerritoryLevel.DEPARTMENT:
        department = Department.objects.select_related("region").filter(code=code).first()
        if department is None:
            raise ValidationError(
                _("Aucun département n’a le code COG « %(code)s ».") % {"code": code},
                code="territory_unknown",
            )
        return code, department.nom, department.region
    if level == TerritoryLevel.EPCI:
        epci = Epci.objects.filter(code=code).first()
        if epci is None:
            return code, "", None
        commune = epci.communes.select_related("department__region").first()
        return code, epci.nom, commune.department.region if commune else None
    commune = Commune.objects.select_related("department__region").filter(code=code).first()
    if commune is None:
        return code, "", None
    return code, commune.nom, commune.department.region
