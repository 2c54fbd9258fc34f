from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscussionConfig(AppConfig):
    name = "taolun.discussion"
    label = "discussion"
    verbose_name = _("网上大讨论")

    def ready(self) -> None:
        # What the discussion proves, for the requirement engine.
        from . import evidence  # noqa: F401
