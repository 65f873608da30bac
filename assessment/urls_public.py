"""URLs of the public results pages (``assessment.views_public``), under ``/public/``."""

from django.urls import path

from assessment import views_public

urlpatterns = [
    path("", views_public.index, name="public_index"),
    path("<int:year>/", views_public.year_results, name="public_year"),
]
