"""AES-256-IGE throughput, 2048-bit modexp and RSA private-operation timings.

Run from the repository root::

    python bench/crypto.py [--seconds 1.0] [--quick]

IGE rows: the default backend (cryptg), tgcore's pycryptodome path (AES-CBC between two bulk
xors for encryption; one ECB call per block for decryption), the same encryption with big-int
xors at every size (the alternative the pycryptodome path uses only below 6 KB), and raw
AES-256-CBC from pycryptodome, the bound for any sequential mode. Small buffers are repeated
until ``--seconds`` have passed; the best repetition counts. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable

from Crypto.Cipher import AES
from Crypto.PublicKey import RSA

from tgcore.crypto import DH_G, DH_PRIME, RsaPrivateKey, _backend, ige, ige_backend, modexp

Cipher = Callable[[bytes, bytes, bytes], bytes]
SIZES = [("1 KB", 1024), ("512 KB", 512 * 1024), ("64 MB", 64 * 1024 * 1024)]


def best_seconds(run: Callable[[], object], budget: float, max_reps: int = 10_000) -> float:
    """The fastest of as many runs as fit in ``budget`` seconds (at least one)."""
    best = float("inf")
    deadline = time.perf_counter() + budget
    for _ in range(max_reps):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
        if time.perf_counter() > deadline:
            break
    return best


def _encrypt_big_int(data: bytes, key: bytes, iv: bytes) -> bytes:
    """The CBC rewrite with big-int xors at every size (measured for comparison only)."""
    n = len(data)
    shifted1 = int.from_bytes(iv[16:] + data[:-16], "big")
    cbc = AES.new(key, AES.MODE_CBC, iv[:16])
    y = cbc.encrypt((int.from_bytes(data, "big") ^ (shifted1 >> 128)).to_bytes(n, "big"))
    return (int.from_bytes(y, "big") ^ shifted1).to_bytes(n, "big")


def _cbc_encrypt(data: bytes, key: bytes, iv: bytes) -> bytes:
    return AES.new(key, AES.MODE_CBC, iv[:16]).encrypt(data)


def _cbc_decrypt(data: bytes, key: bytes, iv: bytes) -> bytes:
    return AES.new(key, AES.MODE_CBC, iv[:16]).decrypt(data)


def ige_rows() -> list[tuple[str, Cipher | None, Cipher | None]]:
    rows: list[tuple[str, Cipher | None, Cipher | None]] = []
    if "cryptg" in ige._BACKENDS:
        rows.append(("cryptg (default)", *ige._BACKENDS["cryptg"]))
    enc, dec = ige._BACKENDS["pycryptodome"]
    rows.append(("pycryptodome path", enc, dec))
    rows.append(("  big-int xors only", _encrypt_big_int, None))
    rows.append(("raw AES-256-CBC", _cbc_encrypt, _cbc_decrypt))
    return rows


def bench_ige(seconds: float, sizes: list[tuple[str, int]]) -> None:
    key, iv = os.urandom(32), os.urandom(32)
    buffers = {size: os.urandom(size) for _, size in sizes}
    print(f"AES-256-IGE, MB/s (selected backend: {ige_backend()})")
    header = f"{'':22}" + "".join(f"{label + ' enc':>13}{label + ' dec':>13}" for label, _ in sizes)
    print(header)
    print("-" * len(header))
    ciphertexts = {
        size: ige._BACKENDS["pycryptodome"][0](buffers[size], key, iv) for size in buffers
    }
    for name, encrypt, decrypt in ige_rows():
        cells = []
        for _, size in sizes:
            for function, payload in ((encrypt, buffers[size]), (decrypt, ciphertexts[size])):
                if function is None:
                    cells.append(f"{'-':>13}")
                    continue

                def run(f: Cipher = function, p: bytes = payload) -> bytes:
                    return f(p, key, iv)

                cells.append(f"{size / best_seconds(run, seconds) / 1e6:13.1f}")
        print(f"{name:22}" + "".join(cells))
    print()


def bench_modexp(seconds: float) -> None:
    exponent = int.from_bytes(os.urandom(256), "big")
    base = int.from_bytes(os.urandom(256), "big") % DH_PRIME
    print("2048-bit modular exponentiation, ms per operation")
    for name, run in [
        ("built-in pow(g, a, p)", lambda: pow(DH_G, exponent, DH_PRIME)),
        ("tgcore modexp(g, a, p)", lambda: modexp(DH_G, exponent, DH_PRIME)),
        ("built-in pow(g_a, b, p)", lambda: pow(base, exponent, DH_PRIME)),
        ("tgcore modexp(g_a, b, p)", lambda: modexp(base, exponent, DH_PRIME)),
    ]:
        print(f"  {name:28}{best_seconds(run, seconds) * 1e3:8.2f}")
    print()


def bench_rsa(seconds: float) -> None:
    key = RsaPrivateKey.generate()
    d = int(RSA.import_key(key.to_pem()).d)
    n = key.public_key.n
    legacy = key.public_key.encrypt_legacy(os.urandom(96), os.urandom)
    rsa_pad = key.public_key.encrypt_rsa_pad(os.urandom(96), os.urandom)
    value = int.from_bytes(legacy, "big")
    print("RSA-2048, ms per operation")
    start = time.perf_counter()
    RsaPrivateKey.generate()
    print(f"  {'generate a key pair':28}{(time.perf_counter() - start) * 1e3:8.2f}")
    for name, run in [
        ("private op, pow(c, d, n)", lambda: pow(value, d, n)),
        ("decrypt_legacy (CRT)", lambda: key.decrypt_legacy(legacy)),
        ("decrypt_rsa_pad (CRT)", lambda: key.decrypt_rsa_pad(rsa_pad)),
        ("decrypt_inner_data, legacy", lambda: key.decrypt_inner_data(legacy)),
        ("encrypt_rsa_pad (public op)", lambda: key.public_key.encrypt_rsa_pad(b"x", os.urandom)),
    ]:
        print(f"  {name:28}{best_seconds(run, seconds) * 1e3:8.2f}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time budget per figure")
    parser.add_argument("--quick", action="store_true", help="skip the 64 MB buffers")
    args = parser.parse_args()
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    print(f"cryptg installed: {_backend.CRYPTG_INSTALLED is not None}\n")
    sizes = SIZES[:2] if args.quick else SIZES
    bench_ige(args.seconds, sizes)
    bench_modexp(args.seconds)
    bench_rsa(args.seconds)


if __name__ == "__main__":
    main()
