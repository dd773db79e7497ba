app_name = "routing"

urlpatterns: list = []

api_urlpatterns: list = []
