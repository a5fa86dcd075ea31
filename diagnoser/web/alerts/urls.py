from django.urls import URLPattern, URLResolver

from diagnoser.web.alerts import views
from diagnoser.web.routes import under

urlpatterns: list[URLPattern | URLResolver] = [
    *under("services/<int:service_id>/alert-channels/", {"new/": views.alert_channel_new}),
    *under(
        "services/<int:service_id>/alert-channels/<int:channel_id>/",
        {
            "rules/": views.alert_channel_rules,
            "test/": views.alert_channel_test_send,
            "delete/": views.alert_channel_remove,
        },
    ),
]
