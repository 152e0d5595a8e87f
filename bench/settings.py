"""Settings for the benchmark only (`manage.py bench`, `make bench`): the site's settings plus the bench app and views.

Never for a real site: it adds the bench app and bare views (bench/urls.py), lifts the API throttles so that a load
test measures the site rather than its 429s, and serves plain HTTP with debug off.
"""

import os
import tempfile
import warnings

os.environ.setdefault("DJANGO_SECRET_KEY", "insecure-key-for-the-benchmark-only")
os.environ.setdefault("DJANGO_DEBUG", "0")
# The archive's figures fetch from a page server the benchmark starts on 127.0.0.1, through db_worker processes.
os.environ.setdefault("FACTCHECK_ALLOW_LOOPBACK", "1")
os.environ["FACTCHECK_TASKS"] = "db"
os.environ.setdefault("DJANGO_MEDIA_ROOT", os.path.join(tempfile.gettempdir(), "factcheck-bench-media"))

from factcheck.settings import *  # noqa: E402, F403
from factcheck.settings import INSTALLED_APPS, REST_FRAMEWORK  # noqa: E402

# `manage.py bench` is a command of this settings module's only.
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]

BENCH_OVERRIDES = {
    "ROOT_URLCONF": "bench.urls",
    "DEBUG": False,
    "ALLOWED_HOSTS": ["127.0.0.1", "localhost", "testserver"],
    "SECURE_SSL_REDIRECT": False,
    "SESSION_COOKIE_SECURE": False,
    "CSRF_COOKIE_SECURE": False,
    "SECURE_HSTS_SECONDS": 0,
    "STORAGES": {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "captures": STORAGES["captures"],  # noqa: F405
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    },
    "REST_FRAMEWORK": {
        **REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1000000/second", "user": "1000000/second", "key": "1000000/second"},
    },
}
globals().update(BENCH_OVERRIDES)
if os.environ.get("BENCH_CACHE") == "off":  # the load test's uncached runs
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

# WhiteNoise warns when STATIC_ROOT was never collected; the benchmark serves no static files.
warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
