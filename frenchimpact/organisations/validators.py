"""Validators of identifiers (SIREN, SIRET, RNA) and of uploaded images.

Each error message names the rule that was broken (length, characters, checksum), so that a
person typing a number knows what to fix. Input may contain spaces (as printed on a Kbis or an
invoice, "732 829 320"); ``normalise_*`` removes them before checking.
"""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

from frenchimpact.core.files import check_upload_size

_SEPARATORS = re.compile(r"[\s.\-\u00a0\u202f]")
_RNA_PATTERN = re.compile(r"^W[0-9A-Z]{9}$")

# Image formats accepted for logos and project images, as Pillow names them.
ALLOWED_IMAGE_FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "WEBP": "WebP"}
# The stored file's extension comes from the detected format, never from the upload's name.
IMAGE_EXTENSIONS = {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp"}
DEFAULT_IMAGE_MAX_BYTES = 2 * 1024 * 1024


def normalise_identifier(value: str) -> str:
    """Remove spaces, dots and dashes; upper-case letters (RNA numbers)."""
    return _SEPARATORS.sub("", value or "").upper()


def _check_digits(value: str, *, label: str, length: int) -> None:
    if not value.isdigit():
        raise ValidationError(
            _("Le %(label)s ne doit contenir que des chiffres (ni lettre ni symbole).")
            % {"label": label},
            code="characters",
        )
    if len(value) != length:
        raise ValidationError(
            ngettext(
                "Le %(label)s doit comporter %(length)d chiffres : vous en avez saisi %(count)d.",
                "Le %(label)s doit comporter %(length)d chiffres : vous en avez saisi %(count)d.",
                len(value),
            )
            % {"label": label, "length": length, "count": len(value)},
            code="length",
        )


def validate_siren(value: str) -> str:
    """A SIREN: 9 digits whose Luhn checksum is right. Returns the normalised number."""
    number = normalise_identifier(value)
    _check_digits(number, label="SIREN", length=9)
    try:
        stdnum_siren.validate(number)
    except StdnumError:
        raise ValidationError(
            _(
                "Ce SIREN n’existe pas : sa clé de contrôle (formule de Luhn) est fausse. "
                "Vérifiez chaque chiffre."
            ),
            code="checksum",
        ) from None
    return number


def validate_siret(value: str) -> str:
    """A SIRET: 14 digits (SIREN + NIC), Luhn checksum; for La Poste (SIREN 356000000) the
    digits must add up to a multiple of 5 instead. Returns the normalised number."""
    number = normalise_identifier(value)
    _check_digits(number, label="SIRET", length=14)
    try:
        stdnum_siret.validate(number)
    except StdnumError:
        raise ValidationError(
            _(
                "Ce SIRET n’existe pas : sa clé de contrôle (formule de Luhn) est fausse. "
                "Vérifiez chaque chiffre."
            ),
            code="checksum",
        ) from None
    return number


def validate_rna(value: str) -> str:
    """An RNA number: the letter W followed by 9 digits or capital letters."""
    number = normalise_identifier(value)
    if not number.startswith("W"):
        raise ValidationError(
            _("Le numéro RNA commence par la lettre W (par exemple W751234567)."),
            code="prefix",
        )
    if len(number) != 10:
        raise ValidationError(
            _(
                "Le numéro RNA doit comporter 10 caractères (W suivi de 9 chiffres ou lettres) : "
                "vous en avez saisi %(count)d."
            )
            % {"count": len(number)},
            code="length",
        )
    if not _RNA_PATTERN.match(number):
        raise ValidationError(
            _("Après le W, le numéro RNA ne contient que des chiffres et des lettres (A à Z)."),
            code="characters",
        )
    return number


def image_max_bytes() -> int:
    return int(getattr(settings, "IMAGE_UPLOAD_MAX_BYTES", DEFAULT_IMAGE_MAX_BYTES))


def validate_image_upload(upload: UploadedFile) -> None:
    """A logo or project image: PNG, JPEG or WebP, judged from its content (the file name and
    the type announced by the browser are not trusted), no larger than the size cap."""
    from PIL import Image

    limit = image_max_bytes()
    check_upload_size(upload, limit)
    refused = ValidationError(
        _(
            "Le fichier n’est pas une image au format PNG, JPEG ou WebP (les fichiers SVG ne "
            "sont pas acceptés)."
        ),
        code="image_format",
    )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image_format = image.format
            image.verify()
    except Exception:  # Pillow raises many kinds of errors on non-images and broken files
        raise refused from None
    finally:
        upload.seek(0)
    if image_format not in ALLOWED_IMAGE_FORMATS:
        raise refused
    # A random name with the detected format's extension: a name such as "logo.html" chosen by
    # the sender would make the storage serve the file as a page (stored XSS).
    upload.name = f"{uuid.uuid4().hex}{IMAGE_EXTENSIONS[image_format]}"
    upload.content_type = Image.MIME[image_format]
