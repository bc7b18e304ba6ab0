from django.urls import path

from kbridge.applications import views

app_name = "applications"

urlpatterns = [
    path("startup/profile/", views.profile_edit, name="profile"),
    path("startup/members/", views.members, name="members"),
    path("applications/", views.my_applications, name="mine"),
    path("applications/start/<int:track_id>/", views.start, name="start"),
    path("applications/<int:pk>/", views.edit, name="edit"),
    path("applications/<int:pk>/autosave/", views.autosave, name="autosave"),
    path("applications/<int:pk>/files/<int:question_id>/", views.upload, name="upload"),
    path("applications/<int:pk>/files/<int:attachment_id>/download/", views.download,
         name="download"),
    path("applications/<int:pk>/submit/", views.submit, name="submit"),
    path("applications/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("applications/<int:pk>/receipts/<int:number>/", views.receipt, name="receipt"),
    path("manage/calls/<int:call_id>/applications/", views.manage_list, name="manage_list"),
    path("manage/calls/<int:call_id>/questions/", views.questions_edit, name="questions"),
    path("manage/calls/<int:call_id>/questions/standard/", views.questions_standard,
         name="questions_standard"),
    path("manage/calls/<int:call_id>/extensions/", views.grant_extension,
         name="grant_extension"),
    path("manage/applications/<int:pk>/", views.manage_detail, name="manage_detail"),
]
