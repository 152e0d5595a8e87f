"""The API's own documentation: the OpenAPI schema, made once per process, and the Swagger UI and ReDoc pages.

Generating the schema walks every view and serializer (about 0.1 s warm, 0.5 s for a process's first), and it
only changes with the code: a deploy restarts the processes, so a process keeps the schema it made, rendered
once per format (JSON compact, YAML) and gzipped, and answers every later request from memory, with an ETag.
Settings changed at run time (the tests) drop it.
"""

import gzip
import hashlib
import threading
from dataclasses import dataclass
from functools import cache

from django.contrib.staticfiles import finders
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_safe
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from factcheck.conditional import conditional

SCHEMA_MAX_AGE = 300
METHODS = ("get", "post", "put", "patch", "delete")
# The ReDoc bundle's address carries its digest (?v=), so it may be kept for good.
BUNDLE_MAX_AGE = 365 * 24 * 3600
REDOC_BUNDLE = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
# The one address on another site in ReDoc's bundle: the Redocly logo in its sidebar's footer, which it asks
# for whatever the options say. Without it, the footer keeps its "API docs by Redocly" link, and ReDoc
# asks nothing of another site.
REDOCLY_LOGO = b'"https://cdn.redoc.ly/redoc/logo-mini.svg"'

_lock = threading.Lock()
_schema: dict | None = None
_rendered: dict[str, "Body"] = {}


@dataclass(frozen=True)
class Body:
    """A response body made once: the bytes, their gzip and a weak ETag (the same for both encodings)."""

    content: bytes
    gzipped: bytes
    etag: str

    @classmethod
    def of(cls, content: bytes) -> "Body":
        digest = hashlib.sha256(content).hexdigest()[:32]
        return cls(content, gzip.compress(content, compresslevel=9, mtime=0), f'W/"{digest}"')

    def response(self, request, content_type: str, max_age: int) -> HttpResponse:
        accepts_gzip = "gzip" in request.headers.get("Accept-Encoding", "").lower()
        response = HttpResponse(self.gzipped if accepts_gzip else self.content, content_type=content_type)
        if accepts_gzip:
            response["Content-Encoding"] = "gzip"
        patch_vary_headers(response, ["Accept-Encoding"])
        patch_cache_control(response, public=True, max_age=max_age)
        return conditional(request, response, self.etag)


def openapi_schema() -> dict:
    """The OpenAPI schema of the API, as served at /api/v1/schema/ (the same for every client). Do not change it."""
    global _schema
    if _schema is None:
        with _lock:  # the first requests of a process wait for one generation, not one each
            if _schema is None:
                _schema = SchemaGenerator().get_schema(request=None, public=True)
    return _schema


def _rendered_schema(renderer) -> Body:
    """The schema in the renderer's format, rendered once."""
    if renderer.format not in _rendered:
        _rendered[renderer.format] = Body.of(renderer.render(openapi_schema(), renderer.media_type, {}))
    return _rendered[renderer.format]


@receiver(setting_changed)
def _forget(**kwargs):
    global _schema
    _schema = None
    _rendered.clear()
    _redoc_bundle.cache_clear()


def resources() -> list[dict]:
    """The API's operations grouped as the schema's tags (its resources), each with its description, in the
    schema's order: for the API page, so that it lists what the schema says and nothing else."""
    schema = openapi_schema()
    groups = {
        tag["name"]: {"name": tag["name"], "description": tag.get("description", ""), "operations": []}
        for tag in schema.get("tags", [])
    }
    for path, operations in schema.get("paths", {}).items():
        for method in METHODS:
            operation = operations.get(method)
            if operation is None:
                continue
            tag = (operation.get("tags") or ["other"])[0]
            group = groups.setdefault(tag, {"name": tag, "description": "", "operations": []})
            group["operations"].append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary") or operation["operationId"],
                    # Swagger UI's deep link to the operation (deepLinking is on).
                    "anchor": f"{tag}/{operation['operationId']}",
                }
            )
    return [group for group in groups.values() if group["operations"]]


class CompactJsonRenderer(OpenApiJsonRenderer):
    """The schema as compact JSON: less than half the size of drf-spectacular's JSON, indented by four spaces."""

    def get_indent(self, accepted_media_type, renderer_context):
        return None


class CompactJsonRenderer2(CompactJsonRenderer):
    media_type = OpenApiJsonRenderer2.media_type


class SchemaView(SpectacularAPIView):
    """/api/v1/schema/: YAML by default, JSON for `Accept: application/json` or `?format=json`; from memory."""

    renderer_classes = [OpenApiYamlRenderer, OpenApiYamlRenderer2, CompactJsonRenderer, CompactJsonRenderer2]

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        renderer = request.accepted_renderer
        content_type = renderer.media_type + (f"; charset={renderer.charset}" if renderer.charset else "")
        response = _rendered_schema(renderer).response(request, content_type, SCHEMA_MAX_AGE)
        response["Content-Disposition"] = f'inline; filename="factcheck-api.{renderer.format}"'
        return response


def schema_json_url() -> str:
    """The address the docs pages read the schema from: JSON, which both parse faster than YAML."""
    return reverse("api:schema") + "?format=json"


class SwaggerView(SpectacularSwaggerView):
    """Swagger UI from the sidecar, reading the schema as JSON, which the page asks for at once (preload)."""

    template_name = "api/swagger_ui.html"

    def _get_schema_url(self, request):
        return schema_json_url()


class RedocView(SpectacularRedocView):
    """ReDoc from a copy of the sidecar's bundle without its logo, on a page that loads nothing from other
    sites (no Google Fonts either)."""

    template_name = "api/redoc.html"

    def _get_schema_url(self, request):
        return schema_json_url()

    @staticmethod
    def _redoc_standalone():
        return f"{reverse('api:redoc-bundle')}?v={_redoc_bundle().etag[3:-1]}"


@cache
def _redoc_bundle() -> Body:
    path = finders.find(REDOC_BUNDLE)
    with open(path, "rb") as bundle:
        content = bundle.read()
    content = content.replace(REDOCLY_LOGO, b'""')
    # The source map stays where the sidecar put it.
    name = REDOC_BUNDLE.rsplit("/", 1)[1]
    content = content.replace(
        f"sourceMappingURL={name}.map".encode(), f"sourceMappingURL={static(REDOC_BUNDLE)}.map".encode()
    )
    return Body.of(content)


@require_safe
def redoc_bundle(request):
    """ReDoc's standalone bundle, without the one address it would ask of another site (REDOCLY_LOGO)."""
    response = _redoc_bundle().response(request, "text/javascript; charset=utf-8", BUNDLE_MAX_AGE)
    patch_cache_control(response, immutable=True)
    return response
