from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from reviews.views import landing

urlpatterns = [
    path("", landing, name="home"),  # each role lands where its week starts
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script for the CSP.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="core/api_docs.html"
        ),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
    path("", include("core.urls")),
    path("", include("planning.urls")),
    path("", include("okrs.urls")),
    path("", include("backlog.urls")),
    path("", include("reviews.urls")),
]

# A database that cannot be reached is a 503 with Retry-After, not a 500 (core/outage.py).
handler500 = "core.outage.server_error_or_unavailable"
