from django.urls import path

from kbridge.programs import views

app_name = "programs"

urlpatterns = [
    path("", views.program_list, name="program_list"),
    path("new/", views.program_create, name="program_create"),
    path("<int:pk>/", views.program_detail, name="program_detail"),
    path("<int:pk>/edit/", views.program_edit, name="program_edit"),
    path("<int:pk>/partners/add/", views.partner_add, name="partner_add"),
    path("partners/<int:pk>/edit/", views.partner_edit, name="partner_edit"),
    path("<int:pk>/calls/new/", views.call_create, name="call_create"),
    path("calls/<int:pk>/", views.call_manage, name="call_manage"),
    path("calls/<int:pk>/edit/", views.call_edit, name="call_edit"),
    path("calls/<int:pk>/publish/", views.call_publish, name="call_publish"),
    path("calls/<int:pk>/tracks/new/", views.track_create, name="track_create"),
    path("tracks/<int:pk>/edit/", views.track_edit, name="track_edit"),
    path("partner/", views.partner_home, name="partner_home"),
]
