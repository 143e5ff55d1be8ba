from django.contrib import admin
from django.urls import include, path

from planning.views import home

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("", include("core.urls")),
    path("", include("planning.urls")),
]
