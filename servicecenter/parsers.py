"""The API's JSON parser (DEFAULT_PARSER_CLASSES). Its own module: DRF imports parser classes while
`rest_framework.views` is still loading, so this imports nothing that imports that module."""

import codecs
import json
import re

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32
# Our JSON bodies are a ticket or a payment: a few kilobytes. Files go as multipart, not JSON.
MAX_JSON_BYTES = 1024 * 1024
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is too large.")
    default_code = "too_large"


def _json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects, counted without recursion (strings removed)."""
    depth = deepest = 0
    for char in _NOT_A_BRACKET.sub("", _JSON_STRING.sub("", text)):
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _refuse_constant(name: str):
    raise ValueError(name)


class StrictJSONParser(JSONParser):
    """JSON with limits. Nesting deeper than MAX_JSON_DEPTH is refused before parsing (json's
    recursive parser would otherwise raise RecursionError: a 500); NaN and Infinity are refused;
    a body over MAX_JSON_BYTES is a 413 (DRF reads the stream itself, so Django's own
    DATA_UPLOAD_MAX_MEMORY_SIZE check on `request.body` never runs)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read(MAX_JSON_BYTES + 1) if stream is not None else b""
        if len(raw) > MAX_JSON_BYTES:
            raise RequestTooLarge()
        try:
            text = codecs.decode(raw, encoding)
        except (UnicodeDecodeError, LookupError):
            raise ParseError(_("The request body is not valid JSON.")) from None
        if _json_depth(text) > MAX_JSON_DEPTH:
            raise ParseError(
                _("The JSON is nested too deeply (at most %(depth)d levels).") % {"depth": MAX_JSON_DEPTH}
            )
        try:
            return json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, RecursionError):
            raise ParseError(_("The request body is not valid JSON.")) from None
