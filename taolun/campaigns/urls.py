from django.urls import path

from . import views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="create"),
    path("<slug:slug>/", views.campaign_detail, name="detail"),
    path("<slug:slug>/activate/", views.campaign_activate, name="activate"),
    path("<slug:slug>/close/", views.campaign_close, name="close"),
]
