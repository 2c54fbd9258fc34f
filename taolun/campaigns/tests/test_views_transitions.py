import pytest
from django.urls import reverse

from taolun.campaigns.models import CampaignStatus
from taolun.core.models import AuditEntry


def test_office_closes_and_reopens_a_campaign_with_post(login, org, campaign):
    client = login(org.user("office"))
    response = client.post(reverse("campaigns:close", args=[campaign.slug]))
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CLOSED
    client.post(reverse("campaigns:activate", args=[campaign.slug]))
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.ACTIVE
    assert AuditEntry.objects.filter(action="campaigns.campaign.reopen", actor=org.user("office")).exists()


def test_an_invalid_move_is_explained_and_changes_nothing(login, org, campaign):
    client = login(org.user("office"))
    response = client.post(reverse("campaigns:activate", args=[campaign.slug]), follow=True)
    assert "不能改为" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.ACTIVE


def test_get_never_changes_status(login, org, campaign):
    response = login(org.user("office")).get(reverse("campaigns:close", args=[campaign.slug]))
    assert response.status_code == 405
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.ACTIVE


@pytest.mark.parametrize("role", ["liaison", "cadre", "reviewer"])
def test_others_cannot_close_a_campaign(login, org, campaign, role):
    assert login(org.user(role)).post(reverse("campaigns:close", args=[campaign.slug])).status_code == 403
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.ACTIVE


def test_office_of_another_subtree_cannot_close_the_district_campaign(login, campaign, street_office):
    assert login(street_office).post(reverse("campaigns:close", args=[campaign.slug])).status_code == 403
