from django.urls import path

from documents import rollup_views, views

urlpatterns = [
    path("reports/<int:year>/annual.pdf", views.annual, name="pdf_annual"),
    path("reports/<int:year>/units/<int:unit_id>.pdf", views.unit_card, name="pdf_unit"),
    path("reports/<int:year>/responsibility.pdf", views.responsibility, name="pdf_responsibility"),
    path("reports/bulletin.pdf", views.bulletin, name="pdf_bulletin"),
    # The list exports: built through the file store (their pages live in projects).
    path("projects/export.xlsx", views.project_export, name="project_export"),
    path("milestones/export.xlsx", views.milestone_export, name="milestone_export"),
    # Roll-up of the programmes below a jurisdiction (issue 17).
    path("jurisdictions/<int:pk>/", rollup_views.jurisdiction_rollup, name="jurisdiction_rollup"),
    path(
        "jurisdictions/<int:pk>/summary.pdf",
        rollup_views.jurisdiction_rollup_pdf,
        name="jurisdiction_rollup_pdf",
    ),
    path(
        "jurisdictions/<int:pk>/export.xlsx",
        rollup_views.jurisdiction_rollup_xlsx,
        name="jurisdiction_rollup_xlsx",
    ),
]
