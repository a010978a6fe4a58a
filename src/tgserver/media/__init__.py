"""Media: uploads part by part, encrypted blobs over fsspec, documents, photos, ranged reads.

- :class:`MediaService` is what handlers and the Bot API call.
- :class:`BlobStore` keeps encrypted parts under any fsspec URL (local folder, ``memory://``,
  ``s3://``, ``hdfs://``).
- :class:`MediaStore` (with :class:`SqliteMediaStore` and :class:`MemoryMediaStore`) keeps the
  metadata: uploads in progress, stored files, documents and photos.
- :func:`render_media` shows stored message media to one viewer.
- Parts in parallel: :class:`PartLedger` (uploads in progress checked in memory),
  :class:`DirectorySync` (shared directory flushes), :class:`GroupCommit` (part rows committed
  in batches).
"""

from tgserver.media.blobs import (
    DEFAULT_BLOB_THREADS,
    BlobStore,
    new_blob_id,
)
from tgserver.media.crypto import (
    KEY_SIZE,
    MASTER_KEY_FILE,
    MasterKey,
    new_file_key,
    open_part,
    seal_part,
)
from tgserver.media.dirsync import (
    DirectorySync,
    fsync_directory,
)
from tgserver.media.errors import (
    FILE_PART_EMPTY,
    FILE_PART_INVALID,
    FILE_PART_SIZE_CHANGED,
    FILE_PART_SIZE_INVALID,
    FILE_PART_TOO_BIG,
    FILE_PARTS_INVALID,
    FILE_REFERENCE_EXPIRED,
    IMAGE_PROCESS_FAILED,
    LIMIT_INVALID,
    LOCATION_INVALID,
    MD5_CHECKSUM_INVALID,
    MEDIA_CAPTION_TOO_LONG,
    MEDIA_EMPTY,
    MEDIA_INVALID,
    MULTI_MEDIA_TOO_LONG,
    OFFSET_INVALID,
    PHOTO_INVALID_DIMENSIONS,
    file_part_missing,
    media_error,
)
from tgserver.media.files import (
    CHUNK_SIZE,
    EncryptedFiles,
)
from tgserver.media.gate import (
    UploadGate,
)
from tgserver.media.groupcommit import (
    GroupCommit,
)
from tgserver.media.ledger import (
    DEFAULT_LEDGERS,
    LedgerCache,
    PartLedger,
)
from tgserver.media.photos import (
    MAX_PHOTO_PIXELS,
    PHOTO_BOXES,
    PhotoVariant,
    make_variants,
)
from tgserver.media.records import (
    MediaKind,
    MediaRecord,
    StoredFile,
    UploadRecord,
)
from tgserver.media.rules import (
    MAX_FILE_SIZE,
    MAX_PART_SIZE,
    MAX_PARTS,
    MEGABYTE,
    check_complete,
    check_consistent,
    check_part,
    check_parts_total,
    check_range,
    is_regular_part_size,
)
from tgserver.media.service import (
    DEFAULT_MIME_TYPE,
    IMAGE_THREADS,
    MAX_PHOTO_SIZE,
    THUMB_BOXES,
    MediaService,
    clean_attributes,
    sweep_interval,
)
from tgserver.media.store import (
    MediaStore,
)
from tgserver.media.store_memory import (
    MemoryMediaStore,
)
from tgserver.media.store_sqlite import (
    MEDIA_DB_FILE,
    SCHEMA_VERSION,
    SqliteMediaStore,
)
from tgserver.media.tlmedia import (
    access_hash_for,
    check_access,
    decode_attributes,
    file_reference_for,
    file_type,
    media_id_of,
    render_media,
    stored_media,
    tl_document,
    tl_photo,
)

__all__ = [
    "BlobStore",
    "CHUNK_SIZE",
    "DEFAULT_BLOB_THREADS",
    "DEFAULT_LEDGERS",
    "DEFAULT_MIME_TYPE",
    "DirectorySync",
    "EncryptedFiles",
    "FILE_PARTS_INVALID",
    "FILE_PART_EMPTY",
    "FILE_PART_INVALID",
    "FILE_PART_SIZE_CHANGED",
    "FILE_PART_SIZE_INVALID",
    "FILE_PART_TOO_BIG",
    "FILE_REFERENCE_EXPIRED",
    "GroupCommit",
    "IMAGE_PROCESS_FAILED",
    "IMAGE_THREADS",
    "KEY_SIZE",
    "LIMIT_INVALID",
    "LOCATION_INVALID",
    "LedgerCache",
    "MASTER_KEY_FILE",
    "MAX_FILE_SIZE",
    "MAX_PARTS",
    "MAX_PART_SIZE",
    "MAX_PHOTO_PIXELS",
    "MAX_PHOTO_SIZE",
    "MD5_CHECKSUM_INVALID",
    "MEDIA_CAPTION_TOO_LONG",
    "MEDIA_DB_FILE",
    "MEDIA_EMPTY",
    "MEDIA_INVALID",
    "MEGABYTE",
    "MULTI_MEDIA_TOO_LONG",
    "MasterKey",
    "MediaKind",
    "MediaRecord",
    "MediaService",
    "MediaStore",
    "MemoryMediaStore",
    "OFFSET_INVALID",
    "PHOTO_BOXES",
    "PHOTO_INVALID_DIMENSIONS",
    "PartLedger",
    "PhotoVariant",
    "SCHEMA_VERSION",
    "SqliteMediaStore",
    "StoredFile",
    "THUMB_BOXES",
    "UploadGate",
    "UploadRecord",
    "access_hash_for",
    "check_access",
    "check_complete",
    "check_consistent",
    "check_part",
    "check_parts_total",
    "check_range",
    "clean_attributes",
    "decode_attributes",
    "file_part_missing",
    "file_reference_for",
    "file_type",
    "fsync_directory",
    "is_regular_part_size",
    "make_variants",
    "media_error",
    "media_id_of",
    "new_blob_id",
    "new_file_key",
    "open_part",
    "render_media",
    "seal_part",
    "stored_media",
    "sweep_interval",
    "tl_document",
    "tl_photo",
]
