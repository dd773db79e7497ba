"""The API's JSON parser: deep nesting and NUL characters are a 400, not a crash or a DataError.

Kept apart from helpdesk.inputs because DRF imports parser classes while helpdesk.errors is
still being imported (helpdesk.errors imports DRF).
"""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        from helpdesk.errors import InvalidInput
        from helpdesk.inputs import MAX_JSON_DEPTH, check_storable

        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels.") from None
        try:
            check_storable(data, field="body")
        except InvalidInput as exc:
            raise ParseError(f"JSON parse error - {exc.message}") from None
        return data
