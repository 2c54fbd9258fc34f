from django.urls import path

from . import views, views_library, views_office, views_public, views_review

app_name = "articles"

urlpatterns = [
    # The author's own article: start, write (saved automatically), upload a file, submit, withdraw, consent.
    path("", views.my_article, name="mine"),
    path("start/", views.article_start, name="start"),
    path("<int:pk>/", views.article_detail, name="detail"),
    path("<int:pk>/edit/", views.article_edit, name="edit"),
    path("<int:pk>/autosave/", views.article_autosave, name="autosave"),
    path("<int:pk>/upload/", views.article_upload, name="upload"),
    path("<int:pk>/submit/", views.article_submit, name="submit"),
    path("<int:pk>/withdraw/", views.article_withdraw, name="withdraw"),
    path("<int:pk>/consent/", views.article_consent, name="consent"),
    path("<int:pk>/revisions/", views.article_revisions, name="revisions"),
    path("<int:pk>/revisions/<int:number>/", views.article_revision, name="revision"),
    path("<int:pk>/history/", views.article_history, name="history"),
    # Review: the reviewer's queue, the copy check side by side, return / approve / excellent, assignment.
    path("review/", views_review.review_queue, name="review_queue"),
    path("<int:pk>/check/", views_review.article_check, name="check"),
    path("<int:pk>/review/", views_review.article_review, name="review"),
    path("<int:pk>/assign/", views_review.article_assign, name="assign"),
    # The office: every article sorted and filtered by repetition ratio, the call, the bulk re-check.
    path("all/", views_office.article_list, name="list"),
    path("all/export/", views_office.article_export, name="export"),
    path("call/", views_office.call_edit, name="call"),
    path("recheck/", views_office.recheck, name="recheck"),
    path("recheck/<int:pk>/", views_office.recheck_status, name="recheck_status"),
    path("assign-all/", views_office.assign_all, name="assign_all"),
    # Publicity: excellent articles to publish.
    path("publish/", views_review.publish_queue, name="publish_queue"),
    path("<int:pk>/publish/", views_review.article_publish, name="publish"),
    # The reference library.
    path("references/", views_library.collection_list, name="references"),
    path("references/<int:pk>/", views_library.collection_detail, name="collection"),
    path("references/<int:pk>/delete/", views_library.collection_delete, name="collection_delete"),
    path("references/texts/<int:pk>/", views_library.reference_detail, name="reference"),
    path("references/texts/<int:pk>/delete/", views_library.reference_delete, name="reference_delete"),
    # The public site: published excellent articles.
    path("public/", views_public.public_current, name="public_current"),
    path("public/<slug:slug>/", views_public.public_list, name="public_list"),
    path("public/<slug:slug>/<int:pk>/", views_public.public_detail, name="public_detail"),
]
