from django.urls import path

from kbridge.matching import views

app_name = "matching"

urlpatterns = [
    path("startup/recommendations/", views.recommendations, name="recommendations"),
    path("manage/tracks/<int:pk>/applicants/", views.track_applicants, name="track_applicants"),
    path("manage/discover/", views.discover, name="discover"),
    path("manage/matching/model/", views.model_status, name="model_status"),
    path("manage/matching/model/switch/", views.model_switch, name="model_switch"),
]
