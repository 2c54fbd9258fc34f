from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "taolun.articles"
    label = "articles"
    verbose_name = _("心得体会文章")

    def ready(self) -> None:
        # What articles prove, for the requirement engine.
        from . import evidence  # noqa: F401
