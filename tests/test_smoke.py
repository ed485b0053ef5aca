import pytest


@pytest.mark.django_db
def test_home_lists_the_seed_poles(client, seeded):
    response = client.get("/")
    assert response.status_code == 200
    assert "PTCE du Pays de Bray" in response.content.decode()
