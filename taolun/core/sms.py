"""Text messages (短信), sent through a pluggable backend in the manner of Django's e-mail backends.

``send_sms(to, text)`` hands one message to the backend named by ``settings.SMS_BACKEND`` (a dotted
path). Two backends come with the product, and neither touches the network:

- ``taolun.core.sms.ConsoleSmsBackend`` (the default) prints each message to standard output and
  logs it on the ``taolun.core.sms`` logger. It is meant for development and trials: whoever
  reads the console or the log reads the codes.
- ``taolun.core.sms.LocmemSmsBackend`` appends each message to the module-level ``outbox`` list,
  for tests.

To send real messages, an operator plugs in the provider the organisation has a contract with
(many government networks reach only an internal SMS gateway):

1. write a subclass of ``BaseSmsBackend`` whose ``send_messages(messages)`` delivers each
   ``SmsMessage`` (``to``: an 11-digit mainland mobile number; ``text``: the whole message,
   signature included) and returns how many were accepted. Unless ``fail_silently`` is set it
   should raise when the provider refuses a message, so the caller can tell the user;
2. put the module on the Python path and set ``SMS_BACKEND=package.module.ProviderSmsBackend`` in
   the environment. Credentials belong in the environment too; read them in ``__init__``.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

DEFAULT_BACKEND = "taolun.core.sms.ConsoleSmsBackend"


@dataclass(frozen=True)
class SmsMessage:
    to: str
    text: str


class BaseSmsBackend:
    """What every SMS backend offers; subclasses implement ``send_messages``."""

    def __init__(self, *, fail_silently: bool = False, **kwargs: Any) -> None:
        self.fail_silently = fail_silently

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        """Deliver ``messages``; returns how many were sent."""
        raise NotImplementedError("subclasses of BaseSmsBackend must override send_messages()")


class ConsoleSmsBackend(BaseSmsBackend):
    """Prints each message to ``stream`` (standard output unless given) and logs it."""

    PREFIX = "[SMS]"

    def __init__(self, *, stream: TextIO | None = None, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(fail_silently=fail_silently, **kwargs)
        self.stream = stream
        self._lock = threading.Lock()

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        stream = self.stream or sys.stdout
        sent = 0
        with self._lock:
            for message in messages:
                try:
                    stream.write(f"{self.PREFIX} to {message.to}: {message.text}\n")
                    stream.flush()
                except Exception:
                    if not self.fail_silently:
                        raise
                    continue
                logger.info("%s to %s: %s", self.PREFIX, message.to, message.text)
                sent += 1
        return sent


# Messages the locmem backend has "sent"; tests read and clear it.
outbox: list[SmsMessage] = []


class LocmemSmsBackend(BaseSmsBackend):
    """Keeps the messages in ``taolun.core.sms.outbox`` instead of sending them."""

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        outbox.extend(messages)
        return len(messages)


def get_backend(path: str | None = None, **kwargs: Any) -> BaseSmsBackend:
    """An instance of the backend at ``path``, or of ``settings.SMS_BACKEND``."""
    backend_class = import_string(path or getattr(settings, "SMS_BACKEND", None) or DEFAULT_BACKEND)
    return backend_class(**kwargs)


def send_sms(to: str, text: str) -> int:
    """Send one text message; returns 1 when the backend accepted it."""
    return get_backend().send_messages([SmsMessage(to=to, text=text)])
