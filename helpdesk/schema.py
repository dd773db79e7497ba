"""The OpenAPI schema tells the whole truth: every operation lists the errors it can answer
(each ``{"detail", "code", "fields"?}``) and every POST the ``Idempotency-Key`` header."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

ErrorSerializer = inline_serializer(
    "Error",
    {
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
        "fields": serializers.DictField(
            required=False,
            help_text="For validation errors: the messages per field (nested for nested fields).",
        ),
    },
)

ERROR_DESCRIPTIONS = {
    400: "Invalid input; `fields` names what is wrong.",
    401: "Missing or invalid credentials.",
    403: "Your role may not do this.",
    404: "Not found, or not visible to you.",
    405: "Method not allowed.",
    409: "The ticket is not in a state that allows this, or a request with the same Idempotency-Key is in flight.",
    413: "The request body is too large.",
    415: "Unsupported media type.",
    422: "The Idempotency-Key was used with a different body.",
    429: "Rate limited; see Retry-After.",
    503: "Temporarily unavailable (database); see Retry-After.",
}
ALWAYS = (400, 401, 403, 404, 405, 429, 503)
WRITES = (409, 413, 415)


def _nullable_model_field(field) -> bool:
    """Whether a serializer field reads a model field that may be NULL (an optional foreign key
    rendered by StringRelatedField, SlugRelatedField or a nested serializer, say)."""
    parent = getattr(field, "parent", None)
    model = getattr(getattr(parent, "Meta", None), "model", None)
    source = getattr(field, "source", None)
    if model is None or not source or "." in source or source == "*":
        return False
    try:
        model_field = model._meta.get_field(source)
    except Exception:  # not a model field (a property or an annotation)
        return False
    # Reverse relations (a list of attachments) are never null, whatever their ``null`` says.
    return bool(getattr(model_field, "concrete", False) and model_field.null)


class HandoffAutoSchema(AutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        meta = super()._map_serializer_field(field, direction, bypass_extensions)
        if not meta.get("nullable") and _nullable_model_field(field):
            if "$ref" in meta:
                meta = {"allOf": [{"$ref": meta.pop("$ref")}], **meta}
            meta["nullable"] = True
        return meta

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.method == "POST":
            parameters.append(
                OpenApiParameter(
                    "Idempotency-Key",
                    str,
                    OpenApiParameter.HEADER,
                    required=False,
                    description="Any unique string per logical request; a retry with the same key gets "
                    "the first answer and changes nothing.",
                )
            )
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = list(ALWAYS)
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes += WRITES
        if self.method == "POST":
            codes.append(422)
        for code in codes:
            if str(code) not in responses:
                response = self._get_response_for_code(ErrorSerializer, str(code), direction=direction)
                response["description"] = ERROR_DESCRIPTIONS[code]
                responses[str(code)] = response
        return responses
