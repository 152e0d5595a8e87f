from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmark (`manage.py bench`, docs/PERFORMANCE.md): installed by bench/settings.py only, never by the
    site's settings."""

    name = "bench"
    verbose_name = "Benchmark"
