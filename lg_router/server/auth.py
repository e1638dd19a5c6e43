"""Gateway keys: who may call the gateway (never the providers' keys).

Keys come from a file (one per line; ``#`` comments; a line ``sha256:<hex>`` is an
already-hashed key) or from ``LG_ROUTER_GATEWAY_KEYS`` (comma-separated). Only their
SHA-256 digests are kept, and a presented key is compared with every digest in
constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable
from pathlib import Path

from lg_router.errors import InvalidOptionError

KEYS_ENV = "LG_ROUTER_GATEWAY_KEYS"
_HASHED = "sha256:"


def digest(key: str) -> str:
    """The hex SHA-256 digest of a key."""
    return hashlib.sha256(key.encode()).hexdigest()


class GatewayKeys:
    """A set of hashed gateway keys.

    Args:
        digests: hex SHA-256 digests of the accepted keys.
    """

    def __init__(self, digests: Iterable[str] = ()) -> None:
        self._digests = tuple(sorted({d.lower() for d in digests}))
        for d in self._digests:
            if len(d) != 64 or any(c not in "0123456789abcdef" for c in d):
                msg = "a hashed gateway key must be 'sha256:' followed by 64 hex digits"
                raise InvalidOptionError(msg)

    def __repr__(self) -> str:
        return f"GatewayKeys({len(self._digests)} key(s))"

    def __bool__(self) -> bool:
        return bool(self._digests)

    def __len__(self) -> int:
        return len(self._digests)

    @property
    def digests(self) -> tuple[str, ...]:
        """The stored digests (safe to pass to worker processes)."""
        return self._digests

    @classmethod
    def from_keys(cls, keys: Iterable[str]) -> GatewayKeys:
        """Hash plain keys (entries ``sha256:<hex>`` are taken as digests)."""
        digests = []
        for raw in keys:
            key = raw.strip()
            if not key:
                continue
            digests.append(key[len(_HASHED) :] if key.startswith(_HASHED) else digest(key))
        return cls(digests)

    @classmethod
    def load(cls, keys_file: str | Path | None = None, *, env: str | None = None) -> GatewayKeys:
        """Keys from ``keys_file`` and the env var ``LG_ROUTER_GATEWAY_KEYS`` (both, if set).

        Raises:
            InvalidOptionError: the file cannot be read or holds no key.
        """
        entries: list[str] = []
        if keys_file is not None:
            path = Path(keys_file)
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                msg = f"{path}: cannot read the gateway keys file ({exc.strerror or exc})"
                raise InvalidOptionError(msg) from None
            entries += [line.split("#", 1)[0] for line in lines]
            if not any(e.strip() for e in entries):
                msg = f"{path}: the gateway keys file holds no key (one key per line)"
                raise InvalidOptionError(msg)
        value = os.environ.get(KEYS_ENV, "") if env is None else env
        entries += value.split(",")
        return cls.from_keys(entries)

    def check(self, presented: str | None) -> bool:
        """Whether ``presented`` is one of the keys (constant time in which one matched)."""
        if not presented or not self._digests:
            return False
        candidate = digest(presented)
        ok = False
        for stored in self._digests:
            ok |= hmac.compare_digest(candidate, stored)
        return ok


def bearer(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None
