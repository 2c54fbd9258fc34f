"""Taolun (讨论): a platform for running an organisation-wide grand discussion campaign."""

from .celery import app as celery_app

__all__ = ["celery_app"]
__version__ = "0.1.0"
