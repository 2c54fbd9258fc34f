from django.urls import path

from . import views, views_exports, views_feeds, views_records

app_name = "activities"

urlpatterns = [
    path("", views.activity_list, name="list"),
    path("mine/", views.my_activities, name="mine"),
    path("calendar/", views.calendar_view, name="calendar"),
    path("coverage/", views.training_coverage_view, name="coverage"),
    path("people/<int:pk>/", views.person_activities, name="person"),
    path("new/", views.activity_create, name="create"),
    path("checkin/", views.checkin_view, name="checkin"),
    path("<int:pk>/", views.activity_detail, name="detail"),
    path("<int:pk>/edit/", views.activity_edit, name="edit"),
    path("<int:pk>/invite/", views.invite_view, name="invite"),
    path("<int:pk>/participants/", views.participants_view, name="participants"),
    path("<int:pk>/attendance/", views.attendance_view, name="attendance"),
    path("<int:pk>/screen/", views.checkin_screen, name="screen"),
    path("<int:pk>/screen/code/", views.checkin_screen_code, name="screen_code"),
    path("<int:pk>/leave/", views.leave_request_view, name="leave"),
    path("<int:pk>/status/<str:action>/", views.status_view, name="status"),
    path("invitations/<int:pk>/decide/", views.leave_decide_view, name="leave_decide"),
    path("invitations/<int:pk>/remove/", views.invitation_remove_view, name="invitation_remove"),
    path("<int:pk>/minutes/", views_records.minutes_view, name="minutes"),
    path("<int:pk>/speeches/", views_records.speech_view, name="speech"),
    path("speeches/<int:pk>/delete/", views_records.speech_delete_view, name="speech_delete"),
    path("<int:pk>/attachments/", views_records.attachment_upload, name="attachment_upload"),
    path("attachments/<int:pk>/file/", views_records.attachment_file, name="attachment_file"),
    path("attachments/<int:pk>/thumb/", views_records.attachment_thumb, name="attachment_thumb"),
    path("attachments/<int:pk>/delete/", views_records.attachment_delete_view, name="attachment_delete"),
    path("<int:pk>/inspection/", views_records.inspection_view, name="inspection"),
    path("<int:pk>/opinions/", views_records.opinion_add_view, name="opinion_add"),
    path("opinions/<int:pk>/convert/", views_records.opinion_convert_view, name="opinion_convert"),
    path("opinions/<int:pk>/delete/", views_records.opinion_delete_view, name="opinion_delete"),
    path("<int:pk>/attendance.xlsx", views_exports.attendance_xlsx, name="attendance_xlsx"),
    path("<int:pk>/record.pdf", views_exports.record_pdf, name="record_pdf"),
    path("feed/", views_feeds.feed_manage, name="feed_manage"),
    path("feed/<str:token>.ics", views_feeds.ical_feed, name="ical_feed"),
]
