from django.urls import path

from assessment import views

urlpatterns = [
    path("assessment/", views.index, name="assessment_index"),
    path("assessment/<int:year>/", views.ranking, name="assessment_ranking"),
    path("assessment/<int:year>/stage/", views.stage, name="assessment_stage"),
    path("assessment/<int:year>/compute/", views.compute, name="assessment_compute"),
    path(
        "assessment/<int:year>/compute/<int:run_id>/",
        views.compute_run,
        name="assessment_compute_run",
    ),
    path("assessment/<int:year>/units/<int:unit_id>/", views.unit_detail, name="assessment_unit"),
    path(
        "assessment/<int:year>/units/<int:unit_id>/items/<int:item_id>/",
        views.item_detail,
        name="assessment_item",
    ),
    path(
        "assessment/<int:year>/units/<int:unit_id>/items/<int:item_id>/evidence/",
        views.evidence,
        name="assessment_evidence",
    ),
    path(
        "assessment/<int:year>/units/<int:unit_id>/items/<int:item_id>/self-evidence/",
        views.self_evidence,
        name="assessment_self_evidence",
    ),
    path(
        "assessment/objections/<int:pk>/evidence/",
        views.objection_evidence,
        name="assessment_objection_evidence",
    ),
]
