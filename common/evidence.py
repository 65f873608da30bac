"""Which evidence files (佐证材料) a clerk may upload, decided by name AND content.

An accept-list of the formats offices actually send: PDF, photos, and the
Office/WPS documents. A file passes only when its extension is on the list and
its first bytes are those of that format, so a renamed executable or HTML page
is refused. The content type we store (and later serve) is ours, never the
browser's.

A signature table is enough for this short list; libmagic would add a system
dependency and guess far more types than we accept.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
import zipfile
from typing import IO

from django.utils.translation import gettext as _

from common import clock

PDF = b"%PDF-"
PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc/.xls/.ppt and WPS .wps/.et
ZIP = b"PK\x03\x04"  # Office Open XML (.docx/.xlsx/.pptx) are zip packages


@dataclasses.dataclass(frozen=True)
class Format:
    content_type: str
    signatures: tuple[bytes, ...]
    ooxml_folder: str = ""  # for zip packages: the folder the package must contain


FORMATS: dict[str, Format] = {
    ".pdf": Format("application/pdf", (PDF,)),
    ".png": Format("image/png", (PNG,)),
    ".jpg": Format("image/jpeg", (JPEG,)),
    ".jpeg": Format("image/jpeg", (JPEG,)),
    ".doc": Format("application/msword", (OLE2,)),
    ".xls": Format("application/vnd.ms-excel", (OLE2,)),
    ".ppt": Format("application/vnd.ms-powerpoint", (OLE2,)),
    ".docx": Format(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (ZIP,),
        "word/",
    ),
    ".xlsx": Format(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (ZIP,), "xl/"
    ),
    ".pptx": Format(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        (ZIP,),
        "ppt/",
    ),
    # WPS Office's own formats: compound documents like .doc/.xls.
    ".wps": Format("application/vnd.ms-works", (OLE2,)),
    ".et": Format("application/vnd.ms-excel", (OLE2,)),
}

ALLOWED_EXTENSIONS = tuple(FORMATS)


class EvidenceRejected(ValueError):
    """The file is not an accepted evidence format; the message is for the user."""


def extension(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def sniff(name: str, fileobj: IO[bytes]) -> str:
    """The content type of an acceptable evidence file, or raise EvidenceRejected.

    ``fileobj`` is read from the start and rewound afterwards.
    """
    ext = extension(name)
    fmt = FORMATS.get(ext)
    if fmt is None:
        raise EvidenceRejected(
            _("“%(name)s”的文件类型不允许上传，仅限 PDF、图片(jpg/png)和 Office/WPS 文档。")
            % {"name": name}
        )
    fileobj.seek(0)
    head = fileobj.read(16)
    fileobj.seek(0)
    if not any(head.startswith(sig) for sig in fmt.signatures):
        raise EvidenceRejected(
            _("“%(name)s”的内容与扩展名%(ext)s不符，文件可能已损坏或被改名。")
            % {"name": name, "ext": ext}
        )
    if fmt.ooxml_folder and not _ooxml_has(fileobj, fmt.ooxml_folder):
        raise EvidenceRejected(_("“%(name)s”不是有效的%(ext)s文档。") % {"name": name, "ext": ext})
    return fmt.content_type


def _ooxml_has(fileobj: IO[bytes], folder: str) -> bool:
    try:
        with zipfile.ZipFile(fileobj) as package:
            names = package.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        fileobj.seek(0)
    return "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)


def stored_name(filename: str, *, prefix: str = "") -> str:
    """A random storage name under ``[prefix]evidence/YYYY/MM/``, keeping only a safe
    extension of the uploaded file's name (the name itself is never used)."""
    ext = os.path.splitext(filename)[1].lower()
    if not ext[1:].isalnum() or len(ext) > 6:
        ext = ""
    today = clock.today()
    return f"{prefix}evidence/{today:%Y/%m}/{uuid.uuid4().hex}{ext}"
