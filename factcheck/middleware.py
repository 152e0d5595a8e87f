"""Content Security Policy: no inline script, no third-party anything.

Django 5.2 has no CSP of its own; this is the whole of it. The policy is
settings.CSP_POLICY, with per-path overrides in settings.CSP_PATH_POLICIES
(the API docs need inline styles and a worker). A response may also set its
own Content-Security-Policy header, which is then left alone.
"""

import base64
import hashlib
import re

from django.conf import settings

# An inline <script> with code in it (not src=, not a JSON data block).
INLINE_SCRIPT = re.compile(rb"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.DOTALL | re.IGNORECASE)
DATA_TYPES = (b"application/ld+json", b"application/json")


def directives(policy: dict[str, list[str]]) -> str:
    return "; ".join(f"{name} {' '.join(values)}".strip() for name, values in policy.items())


def inline_script_hashes(content: bytes) -> list[str]:
    """The CSP hash sources of the inline scripts of a page (used for pages we do not template ourselves)."""
    hashes = []
    for match in INLINE_SCRIPT.finditer(content):
        attrs = match.group("attrs").lower()
        if b"src=" in attrs or any(kind in attrs for kind in DATA_TYPES) or not match.group("body").strip():
            continue
        digest = base64.b64encode(hashlib.sha256(match.group("body")).digest()).decode()
        hashes.append(f"'sha256-{digest}'")
    return sorted(set(hashes))


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" in response:
            return response
        policy = dict(settings.CSP_POLICY)
        for prefix, override in settings.CSP_PATH_POLICIES.items():
            if request.path.startswith(prefix):
                policy.update(override)
                break
        if request.path in settings.CSP_HASH_INLINE_SCRIPTS and not getattr(response, "streaming", False):
            # Library pages (drf-spectacular's Swagger UI) with a fixed inline script: allow exactly
            # that script by its hash, never 'unsafe-inline'.
            hashes = inline_script_hashes(response.content)
            policy["script-src"] = [*policy.get("script-src", ["'self'"]), *hashes]
        response["Content-Security-Policy"] = directives(policy)
        return response
