from django.urls import path

from partitions import views

app_name = "partitions"

urlpatterns = [
    path("partitions/", views.partition_status, name="status"),
    path("partitions/status.json", views.partition_status_json, name="status_json"),
    path("partitions/plan/", views.partition_plan, name="plan"),
    path("partitions/run/", views.partition_run_now, name="run_now"),
    path("partitions/runs/<int:pk>/", views.maintenance_run_detail, name="run"),
]
