from django.urls import path

from reviews import views

app_name = "reviews"
urlpatterns = [
    path("reviews/", views.home, name="home"),
    path("reviews/cadences/new/", views.cadence_create, name="cadence_create"),
    path("reviews/cadences/<uuid:cadence_id>/", views.cadence_detail, name="cadence_detail"),
    path("reviews/cadences/<uuid:cadence_id>/edit/", views.cadence_edit, name="cadence_edit"),
    path(
        "reviews/cadences/<uuid:cadence_id>/archive/", views.cadence_archive, name="cadence_archive"
    ),
    path(
        "reviews/cadences/<uuid:cadence_id>/prepare/", views.session_prepare, name="session_prepare"
    ),
    path("reviews/sessions/<uuid:session_id>/", views.session_detail, name="session_detail"),
    path(
        "reviews/sessions/<uuid:session_id>/decisions/",
        views.decision_create,
        name="decision_create",
    ),
    path(
        "reviews/sessions/<uuid:session_id>/learnings/",
        views.learning_create,
        name="learning_create",
    ),
    path("reviews/sessions/<uuid:session_id>/notes/", views.session_notes, name="session_notes"),
    path("reviews/sessions/<uuid:session_id>/close/", views.session_close, name="session_close"),
    path("reviews/sessions/<uuid:session_id>/cancel/", views.session_cancel, name="session_cancel"),
    path("reviews/decisions/", views.decision_list, name="decision_list"),
    path("reviews/decisions/<uuid:decision_id>/done/", views.decision_done, name="decision_done"),
    path("reviews/learnings/", views.learning_list, name="learning_list"),
    path("reviews/calendar/reset/", views.calendar_reset, name="calendar_reset"),
    path(
        "calendar/<uuid:membership_id>/<str:token>/reviews.ics",
        views.calendar_feed,
        name="calendar_feed",
    ),
    path(
        "calendar/<uuid:membership_id>/<str:token>/<uuid:cadence_id>.ics",
        views.calendar_feed,
        name="calendar_feed_cadence",
    ),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/bell/", views.notification_bell, name="notification_bell"),
    path("notifications/read-all/", views.notification_read_all, name="notification_read_all"),
    path("notifications/settings/", views.notification_settings, name="notification_settings"),
    path(
        "notifications/<uuid:notification_id>/open/",
        views.notification_open,
        name="notification_open",
    ),
]
