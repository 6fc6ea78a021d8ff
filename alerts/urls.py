from django.urls import path

from alerts import views

app_name = "alerts"

urlpatterns = [
    path("alerts/", views.alert_list_page, name="list"),
    path("alerts/acknowledge/", views.alert_acknowledge_page, name="acknowledge"),
]
