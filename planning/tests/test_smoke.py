import pytest


@pytest.mark.django_db
def test_strategy_list_renders_for_a_leader(client_for, leader):
    response = client_for(leader).get("/strategy/")
    assert response.status_code == 200
    assert b"Strategic objectives" in response.content
