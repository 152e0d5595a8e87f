"""/healthz: does the site's database answer? For load balancers and monitoring."""

from django.conf import settings
from django.db import DatabaseError, connection, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .db_router import replica_reachable


def _answers(conn) -> bool:
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False
    return True


@never_cache
@require_safe
def healthz(request):
    """200 while the primary answers, 503 when it does not. Replicas are reported, not required: their reads go
    to the primary while they are down (factcheck/db_router.py), and every web machine shares them."""
    body = {"status": "ok", "database": "ok"}
    if settings.DATABASE_REPLICAS:
        body["replicas"] = {
            alias: "ok" if replica_reachable(alias) and _answers(connections[alias]) else "unavailable"
            for alias in settings.DATABASE_REPLICAS
        }
    if not _answers(connection):
        return JsonResponse({**body, "status": "error", "database": "unavailable"}, status=503)
    return JsonResponse(body)
