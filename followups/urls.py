app_name = "followups"

urlpatterns: list = []

api_urlpatterns: list = []
