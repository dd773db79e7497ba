"""URL map: HTML pages per app, the API under /api/v1/, the schema and docs, the admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from analytics import urls as analytics_urls
from followups import urls as followups_urls
from helpdesk import views
from resolution import urls as resolution_urls
from routing import urls as routing_urls
from store import urls as store_urls
from tickets import urls as tickets_urls

api_v1 = [
    *store_urls.api_urlpatterns,
    *tickets_urls.api_urlpatterns,
    *routing_urls.api_urlpatterns,
    *followups_urls.api_urlpatterns,
    *analytics_urls.api_urlpatterns,
]

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file, so the CSP needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("tickets/", include(tickets_urls)),
    path("routing/", include(routing_urls)),
    path("followups/", include(followups_urls)),
    path("analytics/", include(analytics_urls)),
    path("ai/", include(resolution_urls)),
    path("store/", include(store_urls)),
]

# Under /api/ every error is JSON, including a path that matches nothing and a crash.
handler404 = "helpdesk.views.not_found"
handler500 = "helpdesk.views.server_error"
