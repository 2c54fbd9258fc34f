from django.urls import path

from . import views, views_roster

app_name = "orgs"

urlpatterns = [
    path("units/", views.unit_tree, name="unit_tree"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/children/", views.unit_children, name="unit_children"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("people/", views.person_list, name="person_list"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/account/", views.person_account_create, name="person_account_create"),
    path("roster/import/", views_roster.roster_import_view, name="roster_import"),
    path("roster/jobs/<int:pk>/", views_roster.roster_job_view, name="roster_job"),
    path("roster/jobs/<int:pk>/confirm/", views_roster.roster_job_confirm_view, name="roster_job_confirm"),
    path("roster/export/", views_roster.roster_export_view, name="roster_export"),
    path("roster/template/", views_roster.roster_template_view, name="roster_template"),
]
