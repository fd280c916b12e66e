"""The OpenAPI schema: drf-spectacular's, with the one error shape documented on every operation."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Stable, for programs: invalid, not_found, not_allowed…"))
    message = serializers.CharField(help_text=_("For people, in the request's language."))
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_("Messages per field given in the request; empty when the error is not about a field."),
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


ERRORS = {
    "400": _("The request is not valid (see fields) or breaks a rule."),
    "401": _("Not logged in: send a token (Authorization: Token …) or a session cookie."),
    "403": _("Not allowed for this member."),
    "404": _("Not found, or not visible to this member."),
    "409": _("Not possible in the current state (e.g. the pledge is already cancelled)."),
    "415": _("Send JSON."),
    "429": _("Too many requests: wait as long as Retry-After says."),
}
WRITE_ONLY_ERRORS = {"409", "415"}


class AutoSchema(openapi.AutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.DecimalField) and "pattern" in schema and field.max_whole_digits:
            # drf-spectacular's pattern also matches "" and "-", which are not numbers.
            whole, places = field.max_whole_digits, field.decimal_places
            schema["pattern"] = rf"^-?(?:\d{{1,{whole}}}(?:\.\d{{0,{places}}})?|\.\d{{1,{places}}})$"
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code, description in ERRORS.items():
            if code in WRITE_ONLY_ERRORS and self.method in ("GET", "HEAD"):
                continue
            responses.setdefault(code, self._get_response_for_code(OpenApiResponse(ErrorSerializer, description), code))
        return responses


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": _("“Token ” followed by a token created on your API tokens page (/api/tokens/)."),
        }
