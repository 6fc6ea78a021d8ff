from django.contrib.auth import views as auth_views
from django.urls import path

from core import views
from core.middleware import staff_not_required

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("metrics", views.metrics_view, name="metrics"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", staff_not_required(auth_views.LogoutView.as_view()), name="logout"),
]
