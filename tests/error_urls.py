"""The site's URLs plus a view that fails, for the 500 page's test."""

from django.urls import path

from zhucheng.urls import urlpatterns as site


def boom(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [path("boom/", boom), *site]
