from django.urls import path  # noqa: F401  (assessment pages are added here)

urlpatterns: list = []
