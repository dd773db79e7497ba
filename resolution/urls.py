from django.urls import path

from resolution import views

app_name = "resolution"

urlpatterns = [
    path("", views.handled, name="handled"),
    path("review/", views.review_queue, name="review-queue"),
    path("review/<int:pk>/", views.review, name="review"),
    path("review/sampling/", views.set_sampling, name="sampling"),
    path("take-over/<int:ticket_id>/", views.take_over, name="take-over"),
]
