import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from frenchimpact.organisations.validators import (
    validate_image_upload,
    validate_rna,
    validate_siren,
    validate_siret,
)

from .factories import valid_siren, valid_siret
from .utils import SVG, image_upload


def message(call, value):
    with pytest.raises(ValidationError) as error:
        call(value)
    return error.value.messages[0], error.value.code


def test_siren_accepts_spaces_and_normalises():
    assert validate_siren("732 829 320") == "732829320"
    assert validate_siren(" 732.829.320 ") == "732829320"


@pytest.mark.parametrize(
    ("value", "code", "fragment"),
    [
        ("73282932", "length", "Le SIREN doit comporter 9 chiffres : vous en avez saisi 8."),
        ("7328293200", "length", "vous en avez saisi 10"),
        ("73282932A", "characters", "ne doit contenir que des chiffres"),
        ("732829321", "checksum", "clé de contrôle (formule de Luhn) est fausse"),
    ],
)
def test_siren_errors_name_the_rule(value, code, fragment):
    text, error_code = message(validate_siren, value)
    assert error_code == code
    assert fragment in text


def test_siret():
    siren = valid_siren(3)
    siret = valid_siret(siren)
    assert validate_siret(f"{siren[:3]} {siren[3:6]} {siren[6:]} {siret[9:]}") == siret
    text, code = message(validate_siret, siret[:-1] + str((int(siret[-1]) + 1) % 10))
    assert code == "checksum" and "SIRET" in text
    text, code = message(validate_siret, "1234567890123")
    assert code == "length" and "14 chiffres : vous en avez saisi 13" in text


def test_siret_la_poste_exception():
    # La Poste's establishments: digits adding up to a multiple of 5, Luhn key not required.
    assert validate_siret("35600000000048") == "35600000000048"  # head office
    assert validate_siret("35600000049837") == "35600000049837"  # digit sum 45
    _text, code = message(validate_siret, "35600000049838")
    assert code == "checksum"


@pytest.mark.parametrize(
    ("value", "code", "fragment"),
    [
        ("X751234567", "prefix", "commence par la lettre W"),
        ("W75123456", "length", "10 caractères"),
        ("W75123*45!", "characters", "que des chiffres et des lettres"),
    ],
)
def test_rna_errors(value, code, fragment):
    text, error_code = message(validate_rna, value)
    assert error_code == code
    assert fragment in text


def test_rna_normalised():
    assert validate_rna("w 751 234 567") == "W751234567"
    assert validate_rna("W9A1000123") == "W9A1000123"


@pytest.mark.parametrize(
    ("image_format", "extension", "mime"),
    [("PNG", ".png", "image/png"), ("JPEG", ".jpg", "image/jpeg"), ("WEBP", ".webp", "image/webp")],
)
def test_images_accepted_and_renamed_after_their_real_format(image_format, extension, mime):
    # The sender's name ("evil.html") must not become the stored name: a storage would serve
    # such a file as a page.
    upload = image_upload("evil.html", image_format)
    validate_image_upload(upload)
    assert upload.name is not None
    assert upload.name.endswith(extension) and "evil" not in upload.name
    assert upload.content_type == mime


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("logo.png", b"%PDF-1.4 not an image", content_type="image/png"),
        SimpleUploadedFile("logo.svg", SVG, content_type="image/svg+xml"),
        SimpleUploadedFile("logo.png", SVG, content_type="image/png"),
    ],
)
def test_non_images_refused_whatever_the_name(upload):
    text, code = message(validate_image_upload, upload)
    assert code == "image_format"
    assert "n’est pas une image au format PNG, JPEG ou WebP" in text


def test_gif_refused():
    _text, code = message(validate_image_upload, image_upload("logo.gif", "GIF"))
    assert code == "image_format"


def test_size_cap_is_a_setting(settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 100
    upload = image_upload("logo.png", "PNG", size=(200, 200))
    assert (upload.size or 0) > 100
    text, code = message(validate_image_upload, upload)
    assert code == "file_size"
    assert "la taille maximale est de" in text
