"""Sans-IO file transfer: upload part planning, resumable upload state, download ranges.

Nothing here reads files or sockets: :func:`plan_upload` cuts a file into parts by Telegram's
rules, :class:`UploadState` records which parts the server acknowledged (and serializes to
bytes so an upload resumes after a restart), and :func:`plan_download` lists the
``upload.getFile`` requests that read a file back. The Trio client drives them in
:mod:`tgcore.client.files`.
"""

from __future__ import annotations

from tgcore.files.parts import (
    BIG_FILE_THRESHOLD,
    MAX_FILE_SIZE,
    MAX_PART_SIZE,
    MAX_UPLOAD_PARTS,
    MIN_PART_SIZE,
    SMALL_FILE_PART_SIZE,
    UploadPlan,
    check_part_size,
    plan_upload,
)
from tgcore.files.ranges import (
    DEFAULT_REQUEST_SIZE,
    DOWNLOAD_ALIGN,
    DOWNLOAD_WINDOW,
    FileRange,
    check_file_request,
    iter_download,
    plan_download,
)
from tgcore.files.state import UploadState

__all__ = [
    "BIG_FILE_THRESHOLD",
    "DEFAULT_REQUEST_SIZE",
    "DOWNLOAD_ALIGN",
    "DOWNLOAD_WINDOW",
    "FileRange",
    "MAX_FILE_SIZE",
    "MAX_PART_SIZE",
    "MAX_UPLOAD_PARTS",
    "MIN_PART_SIZE",
    "SMALL_FILE_PART_SIZE",
    "UploadPlan",
    "UploadState",
    "check_file_request",
    "check_part_size",
    "iter_download",
    "plan_download",
    "plan_upload",
]
