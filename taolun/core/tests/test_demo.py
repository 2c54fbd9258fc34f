"""The demo district is built through the services, so it obeys every rule users meet."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from taolun.accounts.models import RoleAssignment, User
from taolun.campaigns.models import Campaign, CampaignStatus
from taolun.core.models import AuditEntry
from taolun.demo import DEMO_PASSWORD, LOGINS
from taolun.orgs.models import Person, Unit


@pytest.mark.django_db
def test_demo_builds_a_district_with_people_logins_and_a_live_campaign(capsys):
    call_command("demo", people=300)
    out = capsys.readouterr().out
    assert Unit.objects.filter(kind="street").count() == 10
    assert Unit.objects.filter(kind="department").count() == 30
    people = Person.objects.count()
    assert 300 <= people <= 450
    assert Person.objects.filter(is_leading_cadre=True).count() >= 40
    assert Person.objects.filter(is_party_member=True).count() > people // 2
    for login in LOGINS:
        user = User.objects.get(username=login.username)
        assert user.check_password(DEMO_PASSWORD)
        assert RoleAssignment.objects.filter(user=user, role=login.role).exists()
        assert login.username in out
    campaign = Campaign.objects.get()
    assert campaign.status == CampaignStatus.ACTIVE
    assert campaign.themes.count() == 6 and campaign.stages.count() == 3
    # Built through services: every unit and person has its audit entry.
    assert AuditEntry.objects.filter(action="orgs.person.create").count() == people
    assert User.objects.get(username="leader").person.is_leading_cadre


@pytest.mark.django_db
def test_running_the_demo_again_changes_no_data_and_resets_the_passwords(capsys):
    call_command("demo", people=100)
    office = User.objects.get(username="office")
    office.set_password("changed-by-someone")
    office.save()
    counts = (Unit.objects.count(), Person.objects.count(), Campaign.objects.count())
    call_command("demo", people=100)
    assert (Unit.objects.count(), Person.objects.count(), Campaign.objects.count()) == counts
    office.refresh_from_db()
    assert office.check_password(DEMO_PASSWORD)


@pytest.mark.django_db
def test_the_demo_refuses_to_run_in_production(monkeypatch):
    monkeypatch.setenv("TAOLUN_PRODUCTION", "1")
    with pytest.raises(CommandError, match="TAOLUN_PRODUCTION"):
        call_command("demo", people=50)
    assert not Unit.objects.exists()
