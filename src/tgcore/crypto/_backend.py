"""Which native library accelerates AES-IGE and pq factorization: chosen once, at import time.

``cryptg`` (Rust) is the fast path. The pure pycryptodome path is used when cryptg is not
installed or when the environment variable ``TGCORE_CRYPTO_BACKEND`` is ``pycryptodome``
(useful to rule cryptg out when chasing a bug, and to exercise the fallback in CI).
"""

from __future__ import annotations

import os
from types import ModuleType

from tgcore.errors import LocalProtocolError

__all__ = ["BACKEND", "CRYPTG", "CRYPTG_INSTALLED", "ENV_VAR", "choose_backend"]

ENV_VAR = "TGCORE_CRYPTO_BACKEND"

_cryptg: ModuleType | None
try:
    import cryptg as _cryptg
except ImportError:
    _cryptg = None


def choose_backend(requested: str | None, cryptg_available: bool) -> str:
    """The backend name for an environment value ``requested`` (``None`` or ``""`` means auto).

    Raises :class:`~tgcore.errors.LocalProtocolError` for an unknown name, or for ``"cryptg"``
    when cryptg is not installed: a misconfiguration should fail loudly, not silently slow down.
    """
    choice = (requested or "auto").strip().lower()
    if choice == "auto":
        return "cryptg" if cryptg_available else "pycryptodome"
    if choice == "pycryptodome":
        return "pycryptodome"
    if choice == "cryptg":
        if not cryptg_available:
            raise LocalProtocolError(f"{ENV_VAR}=cryptg but cryptg is not installed")
        return "cryptg"
    raise LocalProtocolError(
        f"unknown {ENV_VAR}={requested!r}; expected 'auto', 'cryptg' or 'pycryptodome'"
    )


#: The cryptg module if it is installed (selected or not), so tests can compare both paths.
CRYPTG_INSTALLED: ModuleType | None = _cryptg
#: ``"cryptg"`` or ``"pycryptodome"``.
BACKEND: str = choose_backend(os.environ.get(ENV_VAR), _cryptg is not None)
#: The cryptg module when it is the selected backend, else ``None``.
CRYPTG: ModuleType | None = _cryptg if BACKEND == "cryptg" else None
