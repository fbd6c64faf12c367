"""Files attached to service reports as evidence: which types are accepted and how a file is
recognised, by its name and by its first bytes."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath, PureWindowsPath

from procure.reports.rules import (
    FILE_CONTENT_MISMATCH,
    FILE_EMPTY,
    FILE_TOO_LARGE,
    FILE_TYPE_REFUSED,
    NO_FILE,
    ReportInvalid,
)

MIB = 1024 * 1024
#: The policy may not raise the per-file limit above this (the request body limit follows it).
MAX_ATTACHMENT_MB_CEILING = 50
#: A request carrying files may be this large: one file at the ceiling, or a form with several.
UPLOAD_BODY_LIMIT = (MAX_ATTACHMENT_MB_CEILING + 14) * MIB
MAX_FILENAME = 200  # report_attachment.filename is a Varchar(200)


class AttachmentType(StrEnum):
    pdf = "pdf"
    jpg = "jpg"
    png = "png"
    docx = "docx"
    xlsx = "xlsx"


MEDIA_TYPES = {
    AttachmentType.pdf: "application/pdf",
    AttachmentType.jpg: "image/jpeg",
    AttachmentType.png: "image/png",
    AttachmentType.docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    AttachmentType.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXTENSIONS = {
    ".pdf": AttachmentType.pdf,
    ".jpg": AttachmentType.jpg,
    ".jpeg": AttachmentType.jpg,
    ".png": AttachmentType.png,
    ".docx": AttachmentType.docx,
    ".xlsx": AttachmentType.xlsx,
}
# The name alone proves nothing: a renamed executable must not pass as a PDF.
SIGNATURES = {
    AttachmentType.pdf: b"%PDF-",
    AttachmentType.jpg: b"\xff\xd8\xff",
    AttachmentType.png: b"\x89PNG\r\n\x1a\n",
    AttachmentType.docx: b"PK\x03\x04",  # Office Open XML files are ZIP archives
    AttachmentType.xlsx: b"PK\x03\x04",
}
TYPE_NAMES = {
    AttachmentType.pdf: "PDF",
    AttachmentType.jpg: "JPEG",
    AttachmentType.png: "PNG",
    AttachmentType.docx: "Word (.docx)",
    AttachmentType.xlsx: "Excel (.xlsx)",
}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/]')


@dataclass(frozen=True, slots=True)
class CheckedFile:
    filename: str
    content_type: str
    content: bytes
    sha256: str

    @property
    def size_bytes(self) -> int:
        return len(self.content)


def clean_filename(raw: str) -> str:
    """The file's own name without any folder a browser sent along, safe to show and to put in
    a Content-Disposition header, at most 200 characters with its extension kept."""
    name = PureWindowsPath(PurePosixPath(raw).name).name
    name = _UNSAFE.sub("_", unicodedata.normalize("NFC", name)).strip(" .")
    if len(name) > MAX_FILENAME:
        suffix = PurePosixPath(name).suffix[:10]
        name = name[: MAX_FILENAME - len(suffix)] + suffix
    return name


def check_attachment(
    filename: str, content: bytes, *, allowed: Collection[AttachmentType], max_mb: int
) -> CheckedFile:
    """Accept a file of an allowed type within the size limit, or refuse it naming the file."""
    name = clean_filename(filename)
    if not name:
        raise ReportInvalid("file", NO_FILE)
    kind = EXTENSIONS.get(PurePosixPath(name).suffix.lower())
    if kind is None or kind not in allowed:
        choices = ", ".join(TYPE_NAMES[t] for t in AttachmentType if t in allowed)
        raise ReportInvalid("file", FILE_TYPE_REFUSED, name=name, choices=choices)
    if not content:
        raise ReportInvalid("file", FILE_EMPTY, name=name)
    if len(content) > max_mb * MIB:
        raise ReportInvalid("file", FILE_TOO_LARGE, name=name, max=max_mb)
    if not content.startswith(SIGNATURES[kind]):
        raise ReportInvalid("file", FILE_CONTENT_MISMATCH, name=name, kind=TYPE_NAMES[kind])
    return CheckedFile(
        filename=name,
        content_type=MEDIA_TYPES[kind],
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
    )
