from django.urls import path

from . import views

app_name = "research"

urlpatterns = [
    path("", views.topic_list, name="list"),
    path("mine/", views.my_topic, name="mine"),
    path("coverage/", views.coverage, name="coverage"),
    path("new/", views.topic_create, name="create"),
    path("<int:pk>/", views.topic_detail, name="detail"),
    path("<int:pk>/edit/", views.topic_edit, name="edit"),
    path("<int:pk>/register/", views.topic_register, name="register"),
    path("<int:pk>/progress/", views.topic_progress, name="progress"),
    path("<int:pk>/report/", views.topic_report, name="report"),
    path("<int:pk>/decide/", views.topic_decide, name="decide"),
    path("<int:pk>/history/", views.topic_history, name="history"),
    path("updates/<int:pk>/file/", views.update_file, name="update_file"),
]
