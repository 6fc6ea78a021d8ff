app_name = "partitions"

urlpatterns = []
