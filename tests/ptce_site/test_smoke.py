import pytest

from tests.seed_data import seed_rows


@pytest.mark.django_db
def test_home_and_directory_show_the_seed_poles(client, seeded):
    response = client.get("/")
    assert response.status_code == 200
    # The home page counts every published pole and lists a few; the directory has all.
    assert response.context["pole_count"] == len(seed_rows())
    assert "PTCE du Pays de Bray" in client.get("/poles/", {"q": "Bray"}).content.decode()
