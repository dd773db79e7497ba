"""Files an agent attaches to a reply: checked (count, size, type, virus scan), then stored.

The limits are settings (``REPLY_ATTACHMENT_MAX_BYTES``, ``REPLY_ATTACHMENT_MAX_FILES``,
``REPLY_ATTACHMENT_TYPES``). ``ATTACHMENT_SCANNER`` names a callable that gets each file and
returns ``None`` when it is clean or the reason to refuse it: the seam for an antivirus. Every
refusal is an ``InvalidInput`` naming the file and the rule it broke; nothing is stored then.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils.module_loading import import_string
from django.utils.text import get_valid_filename

from helpdesk.errors import InvalidInput
from tickets.models import Attachment, Message


def accept_all(upload: UploadedFile) -> str | None:
    """The default scanner: every file is clean."""
    return None


def content_type_of(upload: UploadedFile) -> str:
    """The type the browser declared, else the one the file name implies."""
    declared = (upload.content_type or "").split(";")[0].strip().lower()
    if declared and declared != "application/octet-stream":
        return declared
    guessed, _ = mimetypes.guess_type(upload.name or "")
    return guessed or "application/octet-stream"


def check_uploads(uploads: Sequence[UploadedFile]) -> None:
    """Raise ``InvalidInput`` (field "attachments") for the first file that may not be sent."""
    limit = settings.REPLY_ATTACHMENT_MAX_FILES
    if len(uploads) > limit:
        raise InvalidInput(f"Attach at most {limit} files to one reply.", field="attachments")
    max_bytes = settings.REPLY_ATTACHMENT_MAX_BYTES
    allowed = set(settings.REPLY_ATTACHMENT_TYPES)
    scan = import_string(settings.ATTACHMENT_SCANNER)
    for upload in uploads:
        size = upload.size or 0
        if size > max_bytes:
            raise InvalidInput(
                f"{upload.name} is {filesizeformat(size)}; the limit is {filesizeformat(max_bytes)}.",
                field="attachments",
            )
        # The declared type and the one the file name implies must both be allowed, so an
        # "invoice.exe" declared as a PDF is refused too.
        named, _ = mimetypes.guess_type(upload.name or "")
        kind = next((k for k in (content_type_of(upload), named) if k and k not in allowed), None)
        if kind:
            raise InvalidInput(
                f"{upload.name} is of type {kind}, which cannot be sent; allowed: PDF, images, "
                "text, CSV, ZIP and Office documents.",
                field="attachments",
            )
        reason = scan(upload)
        upload.seek(0)
        if reason:
            raise InvalidInput(f"{upload.name} was refused by the virus check: {reason}", field="attachments")


def store_attachments(message: Message, uploads: Sequence[UploadedFile]) -> list[Attachment]:
    """Store checked ``uploads`` as the message's attachments (files under MEDIA_ROOT)."""
    stored = []
    for upload in uploads:
        attachment = Attachment(
            message=message,
            filename=get_valid_filename(upload.name or "attachment")[:255] or "attachment",
            content_type=content_type_of(upload),
            size=upload.size or 0,
        )
        attachment.file.save(attachment.filename, upload, save=False)
        stored.append(attachment)
    Attachment.objects.bulk_create(stored)
    return stored


def download_response(attachment: Attachment) -> FileResponse:
    """The file as a download, never rendered inline (an HTML or SVG file cannot run in our origin)."""
    if not attachment.file:
        raise Http404("The file of this attachment was not kept.")
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
