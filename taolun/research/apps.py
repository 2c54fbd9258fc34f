from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResearchConfig(AppConfig):
    name = "taolun.research"
    label = "research"
    verbose_name = _("调研课题")

    def ready(self) -> None:
        # What research topics prove, for the requirement engine.
        from . import evidence  # noqa: F401
