from django.urls import path

from . import views, views_io, views_ledger

app_name = "problems"

urlpatterns = [
    # The ledger and its summaries, the owner's tasks, the office's queue, the public ledger, self-examination.
    path("", views_ledger.ledger, name="ledger"),
    path("summary/", views_ledger.summary, name="summary"),
    path("mine/", views_ledger.mine, name="mine"),
    path("queue/", views_ledger.queue, name="queue"),
    path("public/", views_ledger.public_current, name="public_current"),
    path("public/<slug:slug>/", views_ledger.public_ledger, name="public"),
    path("self-examination/", views_ledger.self_exam_mine, name="self_exam"),
    path("self-examination/all/", views_ledger.self_exam_list, name="self_exam_list"),
    path("self-examination/<int:pk>/", views_ledger.self_exam_detail, name="self_exam_detail"),
    # One problem: filing, the five clarities, status moves, measures and progress, evidence, extensions, history.
    path("new/", views.problem_create, name="create"),
    path("<int:pk>/", views.problem_detail, name="detail"),
    path("<int:pk>/edit/", views.problem_edit, name="edit"),
    path("<int:pk>/move/", views.problem_move, name="move"),
    path("<int:pk>/public/", views.problem_public, name="set_public"),
    path("<int:pk>/history/", views.problem_history, name="history"),
    path("<int:pk>/measures/new/", views.measure_add, name="measure_add"),
    path("measures/<int:pk>/edit/", views.measure_edit, name="measure_edit"),
    path("measures/<int:pk>/delete/", views.measure_delete, name="measure_delete"),
    path("measures/<int:pk>/progress/", views.measure_progress, name="measure_progress"),
    path("<int:pk>/evidence/", views.evidence_add, name="evidence_add"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence_file"),
    path("evidence/<int:pk>/delete/", views.evidence_delete, name="evidence_delete"),
    path("<int:pk>/extensions/", views.extension_request, name="extension_request"),
    path("extensions/<int:pk>/decide/", views.extension_decide, name="extension_decide"),
    # The Excel ledger (台账): export of any filtered ledger, all-or-nothing import, the blank template.
    path("export.xlsx", views_io.export, name="export"),
    path("import/", views_io.import_ledger, name="import"),
    path("import/template.xlsx", views_io.template, name="import_template"),
]
