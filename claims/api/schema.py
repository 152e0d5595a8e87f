"""OpenAPI post-processing: the error shape and the conditional-request answers on every operation, and a
description for each group of operations (tag)."""

ERROR_SCHEMA = {
    "type": "object",
    "description": "The one shape of every error the API answers.",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "code", "message"],
            "properties": {
                "status": {"type": "integer", "description": "The HTTP status, repeated."},
                "code": {
                    "type": "string",
                    "description": "Machine-readable: invalid, parse_error, not_authenticated, "
                    "invalid_key, key_expired, key_revoked, inactive_owner, permission_denied, insufficient_scope, "
                    "not_found, method_not_allowed, not_acceptable, "
                    "unsupported_media_type, conflict, in_use, has_verdict_history, published_claim_locked, "
                    "precondition_failed, throttled, publishing_standards, invalid_cursor, or "
                    "the code of "
                    "a refused workflow step (invalid_transition, unrated, ...).",
                },
                "message": {"type": "string", "description": "What went wrong, for people."},
                "fields": {
                    "type": "object",
                    "description": "Per field of the request (or query parameter), the list of what is wrong "
                    "with it; non_field_errors for the request as a whole.",
                    "additionalProperties": True,
                },
                "missing": {
                    "type": "array",
                    "description": "With code publishing_standards: each publishing standard the claim misses.",
                    "items": {
                        "type": "object",
                        "required": ["code", "label", "detail"],
                        "properties": {
                            "code": {"type": "string", "description": "The standard, e.g. `unrated`."},
                            "label": {"type": "string"},
                            "detail": {"type": "string", "description": "What to do about it."},
                        },
                    },
                },
            },
        }
    },
    "example": {
        "error": {
            "status": 400,
            "code": "invalid",
            "message": "text: This field is required.",
            "fields": {"text": ["This field is required."]},
        }
    },
}

ERRORS = {
    "400": "Bad request: malformed JSON, unknown or read-only fields, wrong types, values too long, NUL bytes, "
    "bad choices, slugs, URLs or query parameters, or a refused workflow step; `fields` says which and why.",
    "401": "Not authenticated, or the API key is refused: send `Authorization: Api-Key <key>`. "
    "`invalid_key`, `key_expired`, `key_revoked`, `inactive_owner` (the key's owner is inactive).",
    "403": "Authenticated, but without the permission this needs (or a session request without its CSRF token). "
    "`insufficient_scope`: the API key lacks the scope this needs (the message names it). "
    "`published_claim_locked`: what readers see of a published claim (its text, claimant, first appearance, "
    "summary, topics, evidence) changes only by a reviewer (the publish permission), with a public note.",
    "404": "No such object, or not one you may see.",
    "405": "Method not allowed here.",
    "406": "The Accept header asks for a format the API does not serve.",
    "409": "Conflict: someone saved the object since you read it (`conflict`), other objects still refer to it "
    "(`in_use`), or the claim has a public verdict history and is retracted, not deleted (`has_verdict_history`).",
    "412": "If-Match does not match the object's current ETag: it changed since you read it; nothing was changed.",
    "415": "Send the body as application/json.",
    "429": "Too many requests: see Retry-After. Limits are in the API description.",
}

ETAG_HEADER = {"ETag": {"schema": {"type": "string"}, "description": "The version of this representation."}}
NOT_MODIFIED = {
    "description": "Not modified: If-None-Match names the current representation.",
    "headers": ETAG_HEADER,
}
UNSAFE = {"post", "put", "patch", "delete"}
OWN_PREFIXES = ("/api/v1/claims/", "/api/v1/sources/", "/api/v1/statements/", "/api/v1/speakers/")
OWN_PREFIXES += ("/api/v1/topics/", "/api/v1/evidence/", "/api/v1/verdicts/", "/api/v1/changes/")


def _codes(path: str, method: str) -> list[str]:
    codes = ["401", "406", "429"]
    detail = "{" in path
    if method in UNSAFE:
        codes += ["400", "403", "415"]
        if detail:
            codes += ["404", "409", "412"]
    else:
        # 400: a bad query parameter (?format= included).
        codes += ["400", "404"] if detail else ["400"]
    return codes


def _foreign_codes(path: str, method: str) -> list[str]:
    """Other apps' views under /api/v1/ (the ClaimReview exchange): the error answers any DRF view can give."""
    codes = ["400", "401", "404", "406", "429"]
    if method in UNSAFE:
        codes += ["403", "415"]
    return codes


def add_error_responses(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for name, component in schemas.items():
        if name.endswith("Request") and component.get("type") == "object":
            # Unknown fields are refused, not ignored.
            component["additionalProperties"] = False
    for path, operations in result.get("paths", {}).items():
        own = path.startswith(OWN_PREFIXES)
        for method, operation in operations.items():
            if method not in UNSAFE | {"get"}:
                continue
            responses = operation.setdefault("responses", {})
            for code in _codes(path, method) if own else _foreign_codes(path, method):
                responses.setdefault(
                    code, {"description": ERRORS[code], "content": {"application/json": {"schema": ref}}}
                )
            if not own:
                continue
            if method == "get":
                responses.setdefault("304", NOT_MODIFIED)
            for code in ("200", "201"):
                if code in responses and method != "delete":
                    responses[code].setdefault("headers", {}).update(ETAG_HEADER)
            if method in {"put", "patch", "delete"} or (method == "post" and "{" in path):
                parameters = operation.setdefault("parameters", [])
                parameters.append(
                    {
                        "name": "If-Match",
                        "in": "header",
                        "required": False,
                        "description": "The ETag you read; the write is refused with 412 if the object changed.",
                        "schema": {"type": "string"},
                    }
                )
            if method == "get":
                operation.setdefault("parameters", []).append(
                    {
                        "name": "If-None-Match",
                        "in": "header",
                        "required": False,
                        "description": "An ETag you hold; 304 with no body when it is still current.",
                        "schema": {"type": "string"},
                    }
                )
    return result


# Each group of operations (an operation's tag is the first part of its path), in the order the docs show them,
# with what it is for, in plain text (the API page shows it too). A tag that is not here shows without one, and
# tests/test_api_docs.py fails.
TAGS = {
    "claims": "Claims being checked: the written fact check, its verdict and sources, and the editorial workflow "
    "(submit, send back, publish, retract, change the verdict).",
    "verdicts": "The rating scale: every verdict, what it means and its ClaimReview rating.",
    "changes": "The changes feed: every change to the public record, in order, to catch up from a cursor.",
    "webhooks": "Webhook endpoints, managed with a webhooks key: where we send signed events as the public record "
    "changes, their deliveries, and a test event.",
    "sources": "Documents where statements were found, with their archived copies (captures).",
    "statements": "What a speaker said in a source: a quote or a paraphrase.",
    "speakers": "People and organizations who make statements and claims.",
    "topics": "Subjects to browse claims by.",
    "evidence": "How one statement bears on one claim: supports, refutes or gives context.",
    "claimreview": "schema.org ClaimReview: the DataFeed of every published fact check, and importing other "
    "fact-checkers' reviews.",
}


def describe_tags(result, generator, request, public):
    """The schema's `tags`: every tag its operations use, described, in TAGS order."""
    used = {
        tag
        for operations in result.get("paths", {}).values()
        for operation in operations.values()
        if isinstance(operation, dict)
        for tag in operation.get("tags", [])
    }
    order = [tag for tag in TAGS if tag in used] + sorted(used - TAGS.keys())
    result["tags"] = [{"name": tag, **({"description": TAGS[tag]} if tag in TAGS else {})} for tag in order]
    return result
