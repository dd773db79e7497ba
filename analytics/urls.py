from django.urls import path

from analytics import api, views

app_name = "analytics"

urlpatterns = [
    path("", views.workflow, name="workflow"),
    path("metrics/", views.metrics, name="metrics"),
    path("metrics/tickets/", views.drilldown, name="drilldown"),
    path("metrics.csv", views.metrics_csv, name="metrics-csv"),
    path("agents/", views.agent_reports, name="agents"),
    path("agents.csv", views.agent_reports_csv, name="agents-csv"),
    path("review/", views.weekly_review, name="review"),
    path("review/detect/", views.run_detection, name="detect"),
    path("review/revisions/", views.record_revision, name="record-revision"),
    path("review/policy-text/", views.policy_text, name="policy-text"),
    path("review/alerts/<int:pk>/dismiss/", views.dismiss, name="dismiss"),
    path("revisions/<int:pk>/", views.revision_detail, name="revision"),
]

api_urlpatterns = [
    path("metrics/", api.MetricsView.as_view(), name="api-metrics"),
    path("metrics/export.csv", api.MetricsCsvView.as_view(), name="api-metrics-csv"),
]
