from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from planning.views import home

urlpatterns = [
    path("", home, name="home"),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("", include("core.urls")),
    path("", include("planning.urls")),
    path("", include("okrs.urls")),
    path("", include("backlog.urls")),
    path("", include("reviews.urls")),
]
