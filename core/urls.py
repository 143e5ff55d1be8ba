from django.contrib.auth import views as auth_views
from django.urls import path

from core import views, webhook_views

app_name = "core"
urlpatterns = [
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="core/password_change_done.html"),
        name="password_change_done",
    ),
    # Forgotten password: Django's views with our templates; the link works once, for
    # PASSWORD_RESET_TIMEOUT seconds.
    path("accounts/password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("organization/switch/", views.switch_organization, name="switch_organization"),
    path("settings/organization/", views.organization_settings, name="organization_settings"),
    path("settings/teams/", views.team_list, name="team_list"),
    path("settings/teams/<uuid:team_id>/", views.team_edit, name="team_edit"),
    path("settings/teams/<uuid:team_id>/archive/", views.team_archive, name="team_archive"),
    path("settings/members/", views.member_list, name="member_list"),
    path("settings/members/<uuid:membership_id>/", views.member_edit, name="member_edit"),
    path(
        "settings/members/<uuid:membership_id>/active/",
        views.member_set_active,
        name="member_set_active",
    ),
    path(
        "settings/invitations/<uuid:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invite/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("settings/webhooks/", webhook_views.webhook_list, name="webhook_list"),
    path(
        "settings/webhooks/<uuid:subscription_id>/",
        webhook_views.webhook_detail,
        name="webhook_detail",
    ),
    path(
        "settings/webhooks/<uuid:subscription_id>/active/",
        webhook_views.webhook_set_active,
        name="webhook_set_active",
    ),
    path(
        "settings/webhooks/<uuid:subscription_id>/delete/",
        webhook_views.webhook_delete,
        name="webhook_delete",
    ),
    path(
        "settings/webhooks/<uuid:subscription_id>/rotate-secret/",
        webhook_views.webhook_rotate_secret,
        name="webhook_rotate_secret",
    ),
    path(
        "settings/webhooks/<uuid:subscription_id>/deliveries/<uuid:delivery_id>/redeliver/",
        webhook_views.webhook_redeliver,
        name="webhook_redeliver",
    ),
    path("settings/tokens/", views.api_tokens, name="api_tokens"),
    path(
        "settings/tokens/<uuid:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"
    ),
]
