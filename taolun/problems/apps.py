from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProblemsConfig(AppConfig):
    name = "taolun.problems"
    label = "problems"
    verbose_name = _("问题清单")

    def ready(self) -> None:
        # What problems and self-examinations prove, for the requirement engine; opinions become problems.
        from . import convert, evidence  # noqa: F401
