from django.urls import path, re_path
from rest_framework.routers import DefaultRouter

from . import changes, docs, views

app_name = "api"

router = DefaultRouter()
router.register("claims", views.ClaimViewSet, basename="claim")
router.register("sources", views.SourceViewSet, basename="source")
router.register(r"sources/(?P<source_id>[0-9]{1,18})/captures", views.CaptureViewSet, basename="source-capture")
router.register("statements", views.StatementViewSet, basename="statement")
router.register("speakers", views.SpeakerViewSet, basename="speaker")
router.register("topics", views.TopicViewSet, basename="topic")
router.register("evidence", views.EvidenceViewSet, basename="evidence")

urlpatterns = [
    path("verdicts/", views.VerdictScaleView.as_view(), name="verdicts"),
    path("changes/", changes.ChangesView.as_view(), name="changes"),
    path("schema/", docs.SchemaView.as_view(), name="schema"),
    path("docs/", docs.SwaggerView.as_view(), name="docs"),
    path("redoc/", docs.RedocView.as_view(), name="redoc"),
    path("redoc/redoc.standalone.js", docs.redoc_bundle, name="redoc-bundle"),
    *router.urls,
    # Keep last: any other path under /api/v1/ answers 404 in the API error shape.
    re_path(r"^[\s\S]*$", views.ApiNotFoundView.as_view(), name="not-found"),
]
