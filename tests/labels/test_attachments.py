"""Attachments: sniffed by content, size-capped, random names, downloads for the right people."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from frenchimpact.labels import services
from frenchimpact.labels.models import ApplicationAttachment

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _zip(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


ODT = _zip({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<x/>"})
DOCX = _zip({"[Content_Types].xml": "<x/>", "word/document.xml": "<x/>"})


@pytest.mark.parametrize(
    ("name", "content", "extension"),
    [
        ("dossier.pdf", PDF, ".pdf"),
        ("photo.png", PNG, ".png"),
        ("photo.jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 20, ".jpg"),
        ("bilan.odt", ODT, ".odt"),
        ("bilan.docx", DOCX, ".docx"),
        ("mal-nomme.txt", PDF, ".pdf"),  # the content decides, not the name
    ],
)
def test_accepted_types(draft, member, name, content, extension):
    attachment = services.application_attach(
        application=draft, actor=member, upload=SimpleUploadedFile(name, content, "text/plain")
    )
    assert attachment.original_name == name
    assert attachment.file.name.endswith(extension)
    assert name.rsplit(".", 1)[0] not in attachment.file.name  # random stored name
    assert default_storage.exists(attachment.file.name)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("faux.pdf", b"<html><script>alert(1)</script></html>"),
        ("archive.docx", _zip({"autre.txt": "x"})),
        ("vide.pdf", b""),
    ],
)
def test_mistyped_files_are_refused(draft, member, name, content):
    with pytest.raises(ValidationError) as error:
        services.application_attach(
            application=draft,
            actor=member,
            upload=SimpleUploadedFile(name, content, "application/pdf"),
        )
    assert error.value.messages[0] in {
        "Le fichier n’est pas au format PDF, PNG, JPEG, ODT ou DOCX (son contenu a été vérifié, "
        "pas seulement son nom).",
        "Le fichier est vide.",
    }
    assert not ApplicationAttachment.objects.exists()


def test_oversized_file_is_refused(settings, draft, member):
    settings.LABEL_ATTACHMENT_MAX_BYTES = 1024 * 1024
    with pytest.raises(ValidationError) as error:
        services.application_attach(
            application=draft,
            actor=member,
            upload=SimpleUploadedFile("gros.pdf", PDF + b"0" * (2 * 1024 * 1024)),
        )
    assert error.value.messages == ["Le fichier pèse 2,0 Mo : la taille maximale est de 1 Mo."]
    assert not ApplicationAttachment.objects.exists()


def _stored_files():
    if not default_storage.exists("labels/pieces/"):
        return set()
    return {
        f"{year}/{name}"
        for year in default_storage.listdir("labels/pieces/")[0]
        for name in default_storage.listdir(f"labels/pieces/{year}/")[1]
    }


def test_failed_attach_leaves_no_file(draft, member, monkeypatch):
    from frenchimpact.labels import services as module

    def boom(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(module, "audit_record", boom)
    before = _stored_files()
    with pytest.raises(RuntimeError):
        services.application_attach(
            application=draft, actor=member, upload=SimpleUploadedFile("a.pdf", PDF)
        )
    assert not ApplicationAttachment.objects.exists()
    assert _stored_files() == before


def test_download_only_for_members_and_staff(client, draft, member, staff, stranger):
    attachment = services.application_attach(
        application=draft, actor=member, upload=SimpleUploadedFile("dossier.pdf", PDF)
    )
    url = reverse("labels:application_attachment", args=[attachment.pk])
    assert client.get(url).status_code == 302  # anonymous: login page
    client.force_login(stranger)
    assert client.get(url).status_code == 403
    for user in (member, staff):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert 'attachment; filename="dossier.pdf"' in response["Content-Disposition"]


def test_change_request_carries_files_and_keeps_submitted_ones(draft, member, staff):
    services.application_attach(
        application=draft, actor=member, upload=SimpleUploadedFile("dossier.pdf", PDF)
    )
    services.application_submit(application=draft, actor=member)
    services.application_start_review(application=draft, actor=staff)
    new = services.application_request_changes(application=draft, actor=staff, changes="x")
    copied = new.attachments.get()
    services.application_detach(attachment=copied, actor=member)
    first = draft.revisions.get(number=1).attachments.get()
    assert default_storage.exists(first.file.name)  # still used by the submitted revision
    with pytest.raises(ValidationError):
        services.application_detach(attachment=first, actor=member)
