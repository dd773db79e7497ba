"""The chat widget's endpoints: per-site key in the URL, CORS for the site's origins, rate limits.

The key is in the path so a CORS preflight (which carries no custom headers) already names
the site. The visitor's session token travels in ``X-Chat-Token``.
"""

from __future__ import annotations

from django.db.models import prefetch_related_objects
from django.http import HttpResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from followups import actions, queries
from followups.models import WidgetSite
from tickets.models import Message

TOKEN_HEADER = "X-Chat-Token"


class WidgetThrottle(SimpleRateThrottle):
    """``widget`` rate (settings) per site key and client IP."""

    scope = "widget"

    def get_rate(self) -> str | None:
        # Read per request rather than at import, so a settings change applies at once.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {
            "scope": self.scope,
            "ident": f"{view.kwargs.get('key', '')}:{self.get_ident(request)}",
        }


def request_origin(request: Request) -> str:
    """Where the calling page lives. Browsers send ``Origin`` on every cross-origin request but
    leave it out of same-origin GETs (Chromium does), so a request without one comes from a
    page on this server, or from a client that could have sent any header it liked."""
    return request.headers.get("Origin") or f"{request.scheme}://{request.get_host()}"


class WidgetView(APIView):
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [WidgetThrottle]

    def initial(self, request: Request, *args, **kwargs) -> None:
        """Refuse unknown keys and foreign origins before throttling or parsing anything."""
        self.site = WidgetSite.objects.filter(key=kwargs.get("key", ""), is_active=True).first()
        if self.site is None:
            raise PermissionDenied("Unknown or disabled widget key.")
        if not self.site.allows_origin(request_origin(request)):
            raise PermissionDenied("This origin may not use this widget key.")
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        site = getattr(self, "site", None)
        origin = request.headers.get("Origin", "")
        if site is not None and site.allows_origin(origin):
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Allow-Headers"] = f"Content-Type, {TOKEN_HEADER}"
            response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response["Access-Control-Max-Age"] = "600"
        patch_vary_headers(response, ["Origin"])
        return response

    def get_authenticate_header(self, request) -> str:
        # A missing or unknown chat token is a 401, which tells the widget to start over.
        return "ChatToken"

    def options(self, request, *args, **kwargs):
        return HttpResponse(status=status.HTTP_204_NO_CONTENT)

    def session(self, request: Request):
        token = request.headers.get(TOKEN_HEADER, "")
        session = queries.chat_session_for(self.site.key, token) if token else None
        if session is None:
            raise NotAuthenticated("Start a chat first (missing or unknown X-Chat-Token).")
        return session


class StartInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, allow_blank=True, default="")
    email = serializers.EmailField(max_length=254)


class PostInput(serializers.Serializer):
    body = serializers.CharField(max_length=5000)
    client_id = serializers.CharField(max_length=64)


class ChatAttachmentSerializer(serializers.Serializer):
    filename = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.URLField()


class ChatMessageSerializer(serializers.ModelSerializer):
    """A chat message as the visitor sees it; ``context`` carries ``request`` and ``session``."""

    author = serializers.SerializerMethodField()
    mine = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "body", "author", "mine", "created_at", "attachments"]

    @extend_schema_field(ChatAttachmentSerializer(many=True))
    def get_attachments(self, message: Message) -> list[dict]:
        request, session = self.context["request"], self.context["session"]
        return [
            {
                "filename": attachment.filename,
                "size": attachment.size,
                "url": request.build_absolute_uri(
                    reverse(
                        "followups:chat-attachment", args=[queries.chat_attachment_token(session, attachment)]
                    )
                ),
            }
            for attachment in message.attachments.all()
            if attachment.file
        ]

    def get_mine(self, message: Message) -> bool:
        return message.direction == Message.Direction.INBOUND

    def get_author(self, message: Message) -> str:
        if message.direction == Message.Direction.INBOUND:
            return "You"
        if message.author_id:
            return message.author.first_name or "Support"
        return "Support"


class WidgetConfigView(WidgetView):
    @extend_schema(
        responses=inline_serializer(
            "WidgetConfig", {"name": serializers.CharField(), "greeting": serializers.CharField()}
        ),
        summary="The widget's site name and greeting",
    )
    def get(self, request: Request, key: str) -> Response:
        return Response({"name": self.site.name, "greeting": self.site.greeting})


class WidgetSessionView(WidgetView):
    @extend_schema(
        request=StartInput,
        responses={201: inline_serializer("ChatStarted", {"token": serializers.CharField()})},
        summary="Start a chat (visitor name and email); returns the visitor's token",
    )
    def post(self, request: Request, key: str) -> Response:
        data = StartInput(data=request.data)
        data.is_valid(raise_exception=True)
        _, token = actions.start_chat(self.site, **data.validated_data)
        return Response({"token": token}, status=status.HTTP_201_CREATED)


class WidgetMessagesView(WidgetView):
    @extend_schema(
        responses=ChatMessageSerializer(many=True), summary="Poll the chat (messages after ?after=<id>)"
    )
    def get(self, request: Request, key: str) -> Response:
        session = self.session(request)
        actions.mark_seen(session)
        try:
            after = int(request.query_params.get("after", 0))
        except ValueError:
            after = 0
        thread = list(queries.chat_thread(session, after_id=after))
        prefetch_related_objects(thread, "attachments")  # one query for every message's files
        context = {"request": request, "session": session}
        return Response(ChatMessageSerializer(thread, many=True, context=context).data)

    @extend_schema(
        request=PostInput, responses={201: ChatMessageSerializer}, summary="Send a visitor message"
    )
    def post(self, request: Request, key: str) -> Response:
        session = self.session(request)
        data = PostInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = actions.post_chat_message(session, **data.validated_data)
        return Response(
            ChatMessageSerializer(result.message, context={"request": request, "session": session}).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )
