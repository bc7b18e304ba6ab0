from django.urls import path

from kbridge.core import views

app_name = "core"

urlpatterns = [
    path("", views.delivery_list, name="delivery_list"),
    path("<int:pk>/resend/", views.delivery_resend, name="delivery_resend"),
]
