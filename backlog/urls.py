from django.urls import path

from backlog import views

app_name = "backlog"
urlpatterns = [
    path("backlog/", views.backlog, name="backlog"),
    path("backlog/teams/<uuid:team_id>/scoring/", views.scoring_edit, name="backlog_scoring"),
    path("backlog/teams/<uuid:team_id>/capacity/", views.capacity_edit, name="backlog_capacity"),
    path("backlog/items/<uuid:work_package_id>/", views.backlog_item, name="backlog_item"),
    path("backlog/items/<uuid:work_package_id>/move/", views.backlog_move, name="backlog_move"),
    path(
        "backlog/items/<uuid:work_package_id>/reset/",
        views.backlog_rank_reset,
        name="backlog_rank_reset",
    ),
    path("sprints/", views.sprint_list, name="sprint_list"),
    path("sprints/new/", views.sprint_create, name="sprint_create"),
    path("sprints/<uuid:sprint_id>/", views.sprint_detail, name="sprint_detail"),
    path("sprints/<uuid:sprint_id>/edit/", views.sprint_edit, name="sprint_edit"),
    path("sprints/<uuid:sprint_id>/commit/", views.sprint_commit, name="sprint_commit"),
    path("sprints/<uuid:sprint_id>/remove/", views.sprint_uncommit, name="sprint_uncommit"),
    path("sprints/<uuid:sprint_id>/close/", views.sprint_close, name="sprint_close"),
    # Insight dashboards (part 2)
    path("insight/capacity/", views.dash_capacity, name="dash_capacity"),
    path("ideas/", views.idea_list, name="idea_list"),
    path("ideas/new/", views.idea_create, name="idea_create"),
    path("ideas/<uuid:idea_id>/", views.idea_detail, name="idea_detail"),
    path("ideas/<uuid:idea_id>/edit/", views.idea_edit, name="idea_edit"),
    path("ideas/<uuid:idea_id>/shortlist/", views.idea_shortlist, name="idea_shortlist"),
    path("ideas/<uuid:idea_id>/reject/", views.idea_reject, name="idea_reject"),
    path("ideas/<uuid:idea_id>/promote/", views.idea_promote, name="idea_promote"),
]
