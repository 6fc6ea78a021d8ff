from django.urls import path

from holds import views

app_name = "holds"

urlpatterns = [
    path("holds/", views.hold_list_page, name="list"),
    path("holds/new/", views.hold_create_page, name="create"),
    path("holds/<int:pk>/", views.hold_detail_page, name="detail"),
    path("holds/<int:pk>/release/", views.hold_release_page, name="release"),
]
