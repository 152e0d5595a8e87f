"""The site's URLs plus the benchmark's baselines; used by bench/settings.py only."""

from django.urls import path

from factcheck.urls import handler500  # noqa: F401
from factcheck.urls import urlpatterns as site_urlpatterns

from . import views

urlpatterns = [
    path("bench/trivial/", views.trivial, name="bench_trivial"),
    path("bench/floor/", views.floor, name="bench_floor"),
    *site_urlpatterns,
]
