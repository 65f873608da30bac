from django.urls import path

from documents import views

urlpatterns = [
    path("reports/<int:year>/annual.pdf", views.annual, name="pdf_annual"),
    path("reports/<int:year>/units/<int:unit_id>.pdf", views.unit_card, name="pdf_unit"),
    path("reports/<int:year>/responsibility.pdf", views.responsibility, name="pdf_responsibility"),
    path("reports/bulletin.pdf", views.bulletin, name="pdf_bulletin"),
]
