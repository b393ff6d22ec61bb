"""Checks of what applicants send: attachments (sniffed by content) and territory codes."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from frenchimpact.core.files import validate_document
from frenchimpact.territories.models import Region

from .enums import TerritoryLevel

DEFAULT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


def attachment_max_bytes() -> int:
    return int(getattr(settings, "LABEL_ATTACHMENT_MAX_BYTES", DEFAULT_ATTACHMENT_MAX_BYTES))


def validate_attachment(upload: UploadedFile) -> None:
    """A document (PDF, PNG, JPEG, ODT or DOCX, sniffed) within LABEL_ATTACHMENT_MAX_BYTES."""
    validate_document(upload, attachment_max_bytes())


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
