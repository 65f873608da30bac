from django.urls import path

from projects.views import dashboard, reporting

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("my/", reporting.my_work, name="my_work"),
    path("milestones/<int:pk>/", reporting.milestone_detail, name="milestone_detail"),
    path("milestones/<int:pk>/report/", reporting.milestone_report, name="milestone_report"),
    path("milestones/<int:pk>/remind/", reporting.milestone_remind, name="milestone_remind"),
    path("evidence/<int:pk>/", reporting.evidence_download, name="evidence_download"),
    path("review/", reporting.review_list, name="review"),
    path("reports/<int:pk>/review/", reporting.report_review, name="report_review"),
]
