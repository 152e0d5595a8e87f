"""The site's URLs plus the benchmark's baselines; used by factcheck/settings_bench.py only."""

from django.urls import path

from claims.bench import views

from .urls import handler500  # noqa: F401
from .urls import urlpatterns as site_urlpatterns

urlpatterns = [
    path("bench/trivial/", views.trivial, name="bench_trivial"),
    path("bench/floor/", views.floor, name="bench_floor"),
    *site_urlpatterns,
]
