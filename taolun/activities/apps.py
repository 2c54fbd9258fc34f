from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "taolun.activities"
    label = "activities"
    verbose_name = _("活动")

    def ready(self) -> None:
        # The requirement engine reads what activities prove through the evidence registry.
        from . import evidence  # noqa: F401
