"""Fixed-window counters in the cache (Redis in production), for logins and public input."""

from __future__ import annotations

import hashlib

from django.core.cache import cache


def _key(scope: str, ident: str) -> str:
    digest = hashlib.sha256(ident.encode("utf-8")).hexdigest()[:32]
    return f"rl:{scope}:{digest}"


def hits(scope: str, ident: str) -> int:
    return int(cache.get(_key(scope, ident), 0))


def hit(scope: str, ident: str, *, window_seconds: int) -> int:
    """Count one event; returns the count inside the current window."""
    key = _key(scope, ident)
    if cache.add(key, 1, timeout=window_seconds):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window_seconds)
        return 1


def reset(scope: str, ident: str) -> None:
    cache.delete(_key(scope, ident))
