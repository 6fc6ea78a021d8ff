from django.urls import path

from collectors import views

app_name = "collectors"

urlpatterns = [
    path("collectors/", views.collector_list_page, name="list"),
    path("collectors/<uuid:pk>/edit/", views.collector_edit_page, name="edit"),
]
