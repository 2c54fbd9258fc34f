"""The sensitive-word screen in use: built from ``SensitiveWord`` and rebuilt when the list changes.

Each process keeps one :class:`taolun.text.screen.Screen`. The list's *stamp* (how many words and the
latest change) is kept in the shared cache; every change of the list writes a new stamp after it
commits (``words_changed``), and a process whose screen was built for another stamp rebuilds it before
screening. Should the cache lose the stamp, it is read again from the database.
"""

from __future__ import annotations

import threading

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max

from taolun.text.screen import Screen

from .models import SensitiveWord

STAMP_KEY = "discussion:words:stamp"
_lock = threading.Lock()
_built: tuple[str, Screen] | None = None


def _stamp_from_db() -> str:
    row = SensitiveWord.objects.aggregate(n=Count("id"), at=Max("updated_at"), top=Max("id"))
    at = row["at"].isoformat() if row["at"] else "-"
    return f"{row['n']}:{row['top'] or 0}:{at}"


def current_stamp() -> str:
    stamp = cache.get(STAMP_KEY)
    if stamp is None:
        stamp = _stamp_from_db()
        # add, not set: a stamp published meanwhile by a committed change must not be overwritten by
        # the one read here (which may predate that commit).
        if not cache.add(STAMP_KEY, stamp, timeout=None):
            stamp = cache.get(STAMP_KEY) or stamp
    return str(stamp)


def words_changed() -> None:
    """Call inside the transaction that changed the list: this transaction reads the stamp afresh at
    once, and other processes rebuild after it commits."""

    def publish() -> None:
        cache.set(STAMP_KEY, _stamp_from_db(), timeout=None)

    cache.delete(STAMP_KEY)
    transaction.on_commit(publish)


def screen() -> Screen:
    """The screen for the list as it stands now."""
    global _built
    stamp = current_stamp()
    built = _built
    if built is not None and built[0] == stamp:
        return built[1]
    with _lock:
        if _built is None or _built[0] != stamp:
            words = list(SensitiveWord.objects.values_list("word", flat=True))
            _built = (stamp, Screen(words))
        return _built[1]


def hits(*texts: str) -> list[str]:
    """The listed words found in any of ``texts``, each once, in the order first found."""
    found: dict[str, None] = {}
    current = screen()
    for text in texts:
        for word in current.words_in(text or ""):
            found.setdefault(word, None)
    return list(found)
