from django.urls import path

from projects.views import dashboard, extensions, reporting, search, supervision

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("my/", reporting.my_work, name="my_work"),
    path("projects/", dashboard.project_list, name="project_list"),
    path("projects/<int:pk>/", dashboard.project_detail, name="project_detail"),
    path("units/<int:pk>/", dashboard.unit_detail, name="unit_detail"),
    path("mayors/", dashboard.mayor_list, name="mayor_list"),
    path("mayors/<int:pk>/", dashboard.mayor_detail, name="mayor_detail"),
    path("milestones/<int:pk>/", reporting.milestone_detail, name="milestone_detail"),
    path("milestones/<int:pk>/report/", reporting.milestone_report, name="milestone_report"),
    path("milestones/", dashboard.milestone_list, name="milestone_list"),
    path("search/", search.search_page, name="search"),
    path("evidence/<int:pk>/", reporting.evidence_download, name="evidence_download"),
    path("review/", reporting.review_list, name="review"),
    path("review/bulk/", reporting.review_bulk, name="review_bulk"),
    path("reports/<int:pk>/review/", reporting.report_review, name="report_review"),
    path("supervision/", supervision.supervision_inbox, name="supervision_inbox"),
    path("supervision/new/", supervision.supervision_new, name="supervision_new"),
    path("supervision/levels/", supervision.supervision_levels, name="supervision_levels"),
    path("supervision/<int:pk>/", supervision.supervision_detail, name="supervision_detail"),
    path("supervision/files/<int:pk>/", supervision.supervision_file, name="supervision_file"),
    # 延期申请
    path(
        "milestones/<int:pk>/extension/",
        extensions.milestone_extension,
        name="milestone_extension",
    ),
    path("extensions/<int:pk>/", extensions.extension_detail, name="extension_detail"),
]
