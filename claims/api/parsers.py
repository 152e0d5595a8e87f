"""JSON bodies: malformed or absurdly nested JSON is a 400 parse_error, never a RecursionError (500)."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# The API's bodies are flat objects with lists of ids; anything far deeper is not a request we serve.
MAX_DEPTH = 32


def _too_deep(data, limit: int) -> bool:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return True
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return False


class ApiJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
            if not _too_deep(data, MAX_DEPTH):
                return data
        except RecursionError:
            pass
        raise ParseError(f"JSON parse error - nested more than {MAX_DEPTH} levels deep.")
