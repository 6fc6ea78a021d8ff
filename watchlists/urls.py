app_name = "watchlists"

urlpatterns = []
