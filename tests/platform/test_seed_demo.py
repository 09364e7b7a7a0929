import pytest
from django.core.management import call_command

from accounts.models import Organization, Team, User

pytestmark = pytest.mark.django_db


def counts():
    return (Organization.objects.count(), Team.objects.count(), User.objects.count())


def test_seed_demo_is_idempotent(capsys):
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first
    assert first == (1, 2, 15)
    acme = Organization.objects.get(slug="acme-logistics")
    manager = User.objects.get(email="marcus.reed@acme.example")
    assert set(manager.managed_teams.values_list("name", flat=True)) == {
        "Dispatch",
        "Customer Care",
    }
    assert User.objects.filter(organization=acme, is_author=True).count() == 1
    assert User.objects.filter(organization=acme, is_org_admin=True).count() == 1
    assert len(set(User.objects.values_list("time_zone", flat=True))) > 5
    assert "ana.costa@acme.example" in capsys.readouterr().out


def test_seed_demo_logins_work(client):
    call_command("seed_demo")
    response = client.post(
        "/accounts/login/", {"username": "ana.costa@acme.example", "password": "practise-daily"}
    )
    assert response.status_code == 302
