from django.urls import path

from projects.views import dashboard, reporting

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("my/", reporting.my_work, name="my_work"),
]
