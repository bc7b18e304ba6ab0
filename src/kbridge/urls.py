from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from kbridge.api.main import urls as api_urls
from kbridge.core import views as core_views
from kbridge.portal import urls as portal_urls
from kbridge.portal import views as portal_views
from kbridge.programs import views as program_views

public = (
    [
        path("", program_views.call_list, name="call_list"),
        path("calls/<int:pk>/", program_views.call_detail, name="call_detail"),
    ],
    "public",
)

urlpatterns = [
    path("", include(public)),
    path("dashboard/", portal_views.dashboard, name="dashboard"),
    path("audit/", portal_views.audit_log, name="audit_log"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("kbridge.accounts.urls")),
    path("manage/programs/", include("kbridge.programs.urls")),
    path("manage/deliveries/", include(portal_urls.deliveries)),
    path("", include("kbridge.applications.urls")),
    path("", include("kbridge.matching.urls")),
    path("", include("kbridge.evaluation.urls")),
    path("", include("kbridge.selection.urls")),
    path("", include("kbridge.events.urls")),
    path("", include("kbridge.alliance.urls")),
    path("api/v1/", api_urls()),
    path("", include("kbridge.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
]
