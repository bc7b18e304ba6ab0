
app_name = "api"
urlpatterns: list = [
    # Token and webhook pages (kbridge.api.views_*) are added here.
]
