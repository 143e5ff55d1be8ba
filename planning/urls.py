from django.urls import path

from planning import views

app_name = "planning"
urlpatterns = [
    path("strategy/", views.strategy_list, name="strategy_list"),
    path("strategy/new/", views.strategy_create, name="strategy_create"),
    path("strategy/<uuid:objective_id>/", views.strategy_detail, name="strategy_detail"),
    path("strategy/<uuid:objective_id>/edit/", views.strategy_edit, name="strategy_edit"),
    path("initiatives/new/", views.initiative_create, name="initiative_create"),
    path("initiatives/<uuid:initiative_id>/", views.initiative_detail, name="initiative_detail"),
    path("initiatives/<uuid:initiative_id>/edit/", views.initiative_edit, name="initiative_edit"),
    path("work/", views.work_list, name="work_list"),
    path("work/new/", views.work_create, name="work_create"),
    path("work/<uuid:work_package_id>/", views.work_detail, name="work_detail"),
    path("work/<uuid:work_package_id>/edit/", views.work_edit, name="work_edit"),
    path("work/<uuid:work_package_id>/decision/", views.work_decision, name="work_decision"),
    path("work/<uuid:work_package_id>/status/", views.work_status, name="work_status"),
    path("my-work/", views.my_work, name="my_work"),
    # Insight dashboards (part 2)
    path("insight/alignment/", views.dash_alignment, name="dash_alignment"),
    path("insight/delivery/", views.dash_delivery, name="dash_delivery"),
    # Audit history tabs
    path("strategy/<uuid:objective_id>/history/", views.strategy_history, name="strategy_history"),
    path(
        "initiatives/<uuid:initiative_id>/history/",
        views.initiative_history,
        name="initiative_history",
    ),
    path("work/<uuid:work_package_id>/history/", views.work_history, name="work_history"),
]
