from django.urls import path

from okrs import views

app_name = "okrs"
urlpatterns = [
    path("okrs/", views.board, name="board"),
    path("strategy/map/", views.strategy_map, name="strategy_map"),
    path(
        "strategy/map/initiatives/<uuid:initiative_id>/work/",
        views.strategy_map_initiative,
        name="strategy_map_initiative",
    ),
    path("okrs/trends/", views.okr_trends, name="okr_trends"),
    path("okrs/check-ins/", views.my_check_ins, name="my_check_ins"),
    path("okrs/cycles/new/", views.cycle_create, name="cycle_create"),
    path("okrs/cycles/<uuid:cycle_id>/", views.board, name="cycle_board"),
    path("okrs/cycles/<uuid:cycle_id>/edit/", views.cycle_edit, name="cycle_edit"),
    path("okrs/cycles/<uuid:cycle_id>/activate/", views.cycle_activate, name="cycle_activate"),
    path("okrs/cycles/<uuid:cycle_id>/close/", views.cycle_close, name="cycle_close"),
    path(
        "okrs/cycles/<uuid:cycle_id>/objectives/new/",
        views.objective_create,
        name="objective_create",
    ),
    path("okrs/objectives/advice/", views.objective_advice, name="objective_advice"),
    path("okrs/objectives/<uuid:objective_id>/", views.objective_detail, name="objective_detail"),
    path("okrs/objectives/<uuid:objective_id>/edit/", views.objective_edit, name="objective_edit"),
    path(
        "okrs/objectives/<uuid:objective_id>/key-results/new/",
        views.key_result_create,
        name="key_result_create",
    ),
    path("okrs/key-results/advice/", views.key_result_advice, name="key_result_advice"),
    path(
        "okrs/key-results/<uuid:key_result_id>/edit/",
        views.key_result_edit,
        name="key_result_edit",
    ),
    path("okrs/key-results/<uuid:key_result_id>/check-in/", views.check_in, name="check_in"),
    path(
        "okrs/key-results/<uuid:key_result_id>/work/",
        views.contribution_add,
        name="contribution_add",
    ),
    path(
        "okrs/key-results/<uuid:key_result_id>/work/<uuid:work_package_id>/remove/",
        views.contribution_remove,
        name="contribution_remove",
    ),
    path("okrs/kpis/new/", views.kpi_create, name="kpi_create"),
    path("okrs/kpis/<uuid:measure_id>/", views.kpi_detail, name="kpi_detail"),
    path("okrs/kpis/<uuid:measure_id>/edit/", views.kpi_edit, name="kpi_edit"),
    path("okrs/kpis/<uuid:measure_id>/values/", views.kpi_record_value, name="kpi_record_value"),
    # Audit history tabs
    path(
        "okrs/objectives/<uuid:objective_id>/history/",
        views.objective_history,
        name="objective_history",
    ),
    path(
        "okrs/key-results/<uuid:key_result_id>/history/",
        views.key_result_history,
        name="key_result_history",
    ),
]
