app_name = "collectors"

urlpatterns = []
