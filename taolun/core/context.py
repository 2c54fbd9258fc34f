"""Where the current change comes from (address, client, channel), for the audit log.

The web middleware, the API and the command line set it; services never take it as an argument.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    ip_address: str | None = None
    user_agent: str = ""
    via: str = "cli"


_origin: contextvars.ContextVar[Origin] = contextvars.ContextVar("taolun_origin", default=Origin())  # noqa: B039 (frozen)


def current_origin() -> Origin:
    return _origin.get()


@contextlib.contextmanager
def origin(value: Origin) -> Iterator[None]:
    token = _origin.set(value)
    try:
        yield
    finally:
        _origin.reset(token)
