from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    # POST-only language switch (set_language) used by the form in base.html.
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("assessment.urls")),
    path("", include("projects.urls")),
    path("", include("documents.urls")),
]
