from django.urls import include, path

from taolun.api.api import api
from taolun.campaigns import views as campaign_views

urlpatterns = [
    path("", campaign_views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("taolun.accounts.urls")),
    path("orgs/", include("taolun.orgs.urls")),
    path("campaigns/", include("taolun.campaigns.urls")),
    path("activities/", include("taolun.activities.urls")),
    path("research/", include("taolun.research.urls")),
    path("problems/", include("taolun.problems.urls")),
    path("articles/", include("taolun.articles.urls")),
    path("discussion/", include("taolun.discussion.urls")),
    path("", include("taolun.core.urls")),
    path("api/", api.urls),
]
