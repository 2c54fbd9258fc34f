from django.urls import path

from . import views_public, views_staff

app_name = "discussion"

urlpatterns = [
    # The public site, readable without signing in (?campaign=<slug> picks another campaign).
    path("", views_public.index, name="index"),
    path("themes/<int:pk>/", views_public.theme, name="theme"),
    path("themes/<int:pk>/qr.svg", views_public.theme_qr, name="theme_qr"),
    path("s/<int:pk>/", views_public.suggestion, name="suggestion"),
    path("s/<int:pk>/qr.svg", views_public.suggestion_qr, name="qr"),
    path("search/", views_public.search, name="search"),
    path("feeds/suggestions.atom", views_public.feed_suggestions, name="feed_suggestions"),
    path("feeds/replies.atom", views_public.feed_replies, name="feed_replies"),
    # Taking part: sign up with a one-time code, post, comment, vote, follow, report, rate the reply.
    path("join/", views_public.signup, name="signup"),
    path("join/code/", views_public.send_code, name="send_code"),
    path("new/", views_public.suggestion_new, name="suggestion_new"),
    path("s/<int:pk>/comment/", views_public.comment, name="comment"),
    path("s/<int:pk>/vote/", views_public.vote, name="vote"),
    path("s/<int:pk>/follow/", views_public.follow, name="follow"),
    path("s/<int:pk>/report/", views_public.report_suggestion, name="report"),
    path("c/<int:pk>/report/", views_public.report_comment, name="report_comment"),
    path("replies/<int:pk>/rate/", views_public.rate, name="rate"),
    path("me/", views_public.me, name="me"),
    path("me/real-name/", views_public.real_name, name="real_name"),
    # Moderators: the queue with bulk actions, one decision, a participant (identity, block), the word list.
    path("moderation/", views_staff.moderation, name="moderation"),
    path("moderation/<str:kind>/<int:pk>/", views_staff.moderate, name="moderate"),
    path("participants/<int:pk>/", views_staff.participant, name="participant"),
    path("words/", views_staff.words, name="words"),
    # Departments answer; the office routes, watches the deadlines, sets the rules and imports offline input.
    path("inbox/", views_staff.inbox, name="inbox"),
    path("s/<int:pk>/reply/", views_staff.reply, name="reply"),
    path("s/<int:pk>/route/", views_staff.route, name="route"),
    path("office/", views_staff.office, name="office"),
    path("office/settings/", views_staff.forum_settings, name="settings"),
    path("office/import/", views_staff.import_offline, name="import"),
]
