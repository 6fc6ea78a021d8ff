from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from chaverim_admin import throttling, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("accounts/login/", throttling.ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("partitions.urls")),
    path("", include("watchlists.urls")),
    path("", include("collectors.urls")),
]

handler500 = "chaverim_admin.views.server_error"
