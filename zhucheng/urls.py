from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from common.accounts import AdminLoginForm, LoginForm

# Both sign-in pages check the user name's length before authenticating.
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(form_class=LoginForm), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    # POST-only language switch (set_language) used by the form in base.html.
    path("i18n/", include("django.conf.urls.i18n")),
    # The public results (考核结果公示): no sign-in.
    path("public/", include("assessment.urls_public")),
    path("", include("assessment.urls")),
    path("", include("projects.urls")),
    path("", include("documents.urls")),
]
