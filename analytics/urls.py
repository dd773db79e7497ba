app_name = "analytics"

urlpatterns: list = []

api_urlpatterns: list = []
