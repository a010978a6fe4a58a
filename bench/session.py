"""Session-core micro-benchmark: one long update pushed to many server sessions, and salts.

    python bench/session.py [--sessions 5000] [--size 2048] [--rounds 3]

Sans-IO, one process, no sockets. Printed, never asserted:

- µs per push of one ``--size``-byte update to each of ``--sessions`` ServerSessions, for
  bodies that are the same for everyone and for bodies that differ per viewer in an 8-byte
  access hash near the end (a channel post as ChannelEventRenderer splices it):
  "per session" = ``push(body)``, each session gzip-packing on its own (the old path);
  "shared" = :class:`SharedGzip` packs once per fan-out and ``push(body, gzip=False)``;
  the same again including ``data_to_send`` (encryption), for scale;
- µs per ``SaltSchedule.current()`` call (what every send asks), walking every remembered
  window on each call (the old behaviour) against the memo, with 2 and 64 windows held.
"""

from __future__ import annotations

import argparse
import struct
import time
from collections.abc import Callable

from tgcore.crypto import AuthKey
from tgcore.mtproto.session import SaltSchedule, ServerSession, SharedGzip
from tgcore.testing import SeededRandom


class WalkingSchedule(SaltSchedule):
    """The behaviour before the memo: prune (walk every window) on every current()."""

    def current(self, now: float) -> int:
        window = self._window(now)
        self._prune(window)
        return self._salt(window)


def make_body(size: int, viewer: int | None) -> bytes:
    """A post-like TL body: text first, then a per-viewer hash (or a fixed one), then a tail."""
    text = (b"A long channel post, compressible like real text. " * (size // 50 + 1))[: size - 40]
    text += b"\0" * (-len(text) % 4)
    hash_ = 0x1234 if viewer is None else viewer * 0x9E3779B97F4A7C15 % (1 << 63)
    return b"\x40\x42\xae\x74" + text + struct.pack("<q", hash_) + b"\0" * 28


def sessions(count: int) -> list[ServerSession]:
    rng = SeededRandom(1)
    key = AuthKey(rng(256))
    salts = SaltSchedule(rng)
    return [ServerSession(key, i + 1, salts=salts, rng=rng) for i in range(count)]


def time_fan_out(
    targets: list[ServerSession],
    bodies: list[bytes],
    shared: bool,
    encrypt: bool,
    rounds: int,
) -> float:
    """Best µs per session over ``rounds`` fan-outs."""
    best = float("inf")
    for _ in range(rounds):
        sharer = SharedGzip()
        start = time.perf_counter()
        for session, body in zip(targets, bodies, strict=True):
            if shared:
                session.push(sharer.pack(body), gzip=False)
            else:
                session.push(body)
            if encrypt:
                session.data_to_send()
        elapsed = time.perf_counter() - start
        best = min(best, elapsed / len(targets) * 1e6)
        for session in targets:
            session.data_to_send()  # empty the outboxes between rounds
    return best


def time_salts(make: Callable[[], SaltSchedule], windows: int, calls: int) -> float:
    schedule = make()
    now = 1_700_000_000.0
    schedule.future(now, windows)
    current = schedule.current
    start = time.perf_counter()
    for i in range(calls):
        current(now + (i & 1023) * 1e-3)
    return (time.perf_counter() - start) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=5000)
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--salt-calls", type=int, default=200_000)
    args = parser.parse_args()

    targets = sessions(args.sessions)
    same = [make_body(args.size, None)] * args.sessions
    per_viewer = [make_body(args.size, v) for v in range(args.sessions)]
    print(f"push of one {len(same[0])}-byte update to {args.sessions} sessions (µs per session)")
    print(f"{'bodies':<12}{'path':<14}{'push':>10}{'push+encrypt':>15}")
    for label, bodies in (("same", same), ("per viewer", per_viewer)):
        for path, shared in (("per session", False), ("shared", True)):
            push = time_fan_out(targets, bodies, shared, False, args.rounds)
            both = time_fan_out(targets, bodies, shared, True, args.rounds)
            print(f"{label:<12}{path:<14}{push:>10.2f}{both:>15.2f}")

    print(f"\nSaltSchedule.current() (µs per call, {args.salt_calls} calls)")
    print(f"{'windows held':<14}{'walk (before)':>15}{'memo (after)':>14}")
    rng = SeededRandom(2)
    for windows in (2, 64):
        before = time_salts(lambda: WalkingSchedule(rng), windows, args.salt_calls)
        after = time_salts(lambda: SaltSchedule(rng), windows, args.salt_calls)
        print(f"{windows:<14}{before:>15.3f}{after:>14.3f}")


if __name__ == "__main__":
    main()
