from django.urls import path

from . import views

app_name = "orgs"

urlpatterns = [
    path("units/", views.unit_tree, name="unit_tree"),
    path("people/", views.person_list, name="person_list"),
    path("roster/import/", views.roster_import, name="roster_import"),
]
