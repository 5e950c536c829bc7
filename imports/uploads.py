"""Checking an uploaded ledger before anything reads it: an .xlsx by its content, not too big,
not a zip that expands past a limit.

openpyxl parses the XML inside with defusedxml (a dependency of this project; openpyxl uses it
whenever it is installed), so entity tricks such as "billion laughs" are refused as well.
"""

import hashlib
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

ZIP_MAGIC = b"PK\x03\x04"
MAX_MEMBERS = 10_000
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CHUNK = 1024 * 1024


def _mb(size):
    """``10.4 MB``, ``10 MB``: a file just over the limit must not read as the limit itself."""
    return f"{size / 1024 / 1024:.2f}".rstrip("0").rstrip(".") + " MB"


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    size: int
    sha256: str


def check_xlsx_upload(upload) -> CheckedUpload:
    """-> :class:`CheckedUpload`, or ``ValidationError`` with a Chinese message.

    ``upload``: a Django ``UploadedFile`` (or any file object with ``name`` and ``size``).
    Limits: ``IMPORT_MAX_BYTES`` for the file, ``IMPORT_MAX_EXPANDED_BYTES`` for what it
    expands to (counted while really decompressing: the sizes a zip declares can lie).
    """
    name = upload.name or ""
    if not name.lower().endswith(".xlsx"):
        hint = "；.xls 或 .et 文件请先在 Excel 或 WPS 中“另存为” .xlsx" if name.lower().endswith((".xls", ".et", ".csv")) else ""
        raise ValidationError(f"只能导入 .xlsx 格式的 Excel 文件，“{name}”不是{hint}。")
    if upload.size > settings.IMPORT_MAX_BYTES:
        raise ValidationError(f"文件 {_mb(upload.size)}，超过了 {_mb(settings.IMPORT_MAX_BYTES)} 的上限。请按村拆成几个文件分别导入。")
    if upload.size == 0:
        raise ValidationError("文件是空的。")
    digest = hashlib.sha256()
    upload.seek(0)
    head = upload.read(4)
    if head != ZIP_MAGIC:
        raise ValidationError(f"“{name}”的内容不是 .xlsx 格式（可能是别的文件改了扩展名），请在 Excel 或 WPS 中另存为 .xlsx。")
    upload.seek(0)
    for chunk in iter(lambda: upload.read(CHUNK), b""):
        digest.update(chunk)
    upload.seek(0)
    _check_zip(upload, name)
    upload.seek(0)
    return CheckedUpload(name=name, size=upload.size, sha256=digest.hexdigest())


def _check_zip(upload, name):
    not_xlsx = ValidationError(f"“{name}”已损坏，或不是 Excel 工作簿，请在 Excel 或 WPS 中重新另存为 .xlsx。")
    limit = settings.IMPORT_MAX_EXPANDED_BYTES
    too_big = ValidationError(f"文件解压后超过 {_mb(limit)}，可能是恶意构造的压缩包，已拒绝。")
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise not_xlsx
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise too_big
        names = {member.filename for member in members}
        if "[Content_Types].xml" not in names or not any(n.startswith("xl/workbook") for n in names):
            raise not_xlsx
        if sum(member.file_size for member in members) > limit:
            raise too_big
        expanded = 0
        content_types = b""
        try:
            for member in members:
                with archive.open(member) as stream:
                    for chunk in iter(lambda: stream.read(CHUNK), b""):
                        expanded += len(chunk)
                        if expanded > limit:
                            raise too_big
                        if member.filename == "[Content_Types].xml" and len(content_types) < CHUNK:
                            content_types += chunk
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
            raise not_xlsx
    if XLSX_MAIN.encode() not in content_types:
        # .xlsm (macros), .xltx (a template) and others declare another main part.
        raise ValidationError(f"“{name}”不是普通的 .xlsx 工作簿（可能含有宏或是模板文件），请另存为 .xlsx 后再导入。")
