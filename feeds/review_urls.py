from django.urls import path

from feeds import views

app_name = "feeds"
urlpatterns = [
    path("", views.queue, name="review_queue"),
    path("<uuid:public_id>/", views.decide, name="review_decide"),
    path("merge-into/<uuid:public_id>/", views.merge, name="merge"),
    path("merges/<uuid:public_id>/undo/", views.unmerge, name="unmerge"),
    path("upload/", views.upload, name="upload"),
    path("api-docs/", views.api_docs, name="api_docs"),
    path("imports/<uuid:public_id>/", views.job, name="job"),
    path("imports/<uuid:public_id>/report.csv", views.job_report, name="job_report"),
]
