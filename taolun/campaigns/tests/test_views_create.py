import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from taolun.campaigns.models import Campaign, CampaignStatus, Plan

from .conftest import plan_data, plan_yaml

CREATE = reverse("campaigns:create")


def form(**overrides):
    data = {
        "plan": "builtin:xihu-2018",
        "root_unit": "D001",
        "slug": "xihu-2019",
        "title": "",
        "start_date": "2019-03-01",
        "end_date": "",
    }
    data.update(overrides)
    return data


def upload(text: str, name: str = "plan.yaml") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="application/x-yaml")


def test_office_gets_the_form_with_the_builtin_plan_offered(login, org):
    response = login(org.user("office")).get(CREATE)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="builtin:xihu-2018"' in body and 'value="upload"' in body


def test_office_creates_a_campaign_from_the_builtin_plan(login, org):
    response = login(org.user("office")).post(CREATE, form(end_date="2019-05-31", activate="on"))
    assert response.status_code == 302
    campaign = Campaign.objects.get(slug="xihu-2019")
    assert response["Location"] == reverse("campaigns:detail", args=["xihu-2019"])
    assert (campaign.start_date, campaign.end_date) == (dt.date(2019, 3, 1), dt.date(2019, 5, 31))
    assert campaign.status == CampaignStatus.ACTIVE and campaign.created_by == org.user("office")
    assert campaign.themes.count() == 6


def test_office_creates_a_campaign_from_an_uploaded_plan(login, org):
    data = form(plan="upload", slug="mine", plan_file=upload(plan_yaml(plan_data(key="mine-plan"))))
    assert login(org.user("office")).post(CREATE, data).status_code == 302
    campaign = Campaign.objects.get(slug="mine")
    assert campaign.plan.key == "mine-plan" and not campaign.plan.is_builtin
    assert campaign.status == CampaignStatus.DRAFT
    # The uploaded plan is offered next time.
    assert f'value="plan:{campaign.plan.pk}"' in login(org.user("office")).get(CREATE).content.decode()


def test_bad_yaml_shows_each_bad_key_next_to_the_file_field_and_creates_nothing(login, org):
    data = plan_data(key="bad")
    data["themes"][0]["questoin"] = data["themes"][0].pop("question")
    data["stages"][1]["end"] = "2018-13-01"
    response = login(org.user("office")).post(CREATE, form(plan="upload", plan_file=upload(plan_yaml(data))))
    assert response.status_code == 200
    errors = response.context["form"].errors["plan_file"]
    # One Chinese sentence per problem, the key path kept as written in the file.
    assert "第 1 项讨论主题（theme-1）的 questoin：未知的键，请对照 docs/plan-format.md 检查拼写。" in errors
    assert "第 1 项讨论主题（theme-1）的 question：缺少这个必填的键。" in errors
    assert any(e.startswith("第 2 项阶段（problems）的 end：不是有效的日期") for e in errors)
    body = response.content.decode()
    assert 'id="id_plan_file_error"' in body and "questoin" in body
    assert not Campaign.objects.exists() and not Plan.objects.exists()


def test_unparsable_yaml_and_binary_files_are_refused(login, org):
    client = login(org.user("office"))
    response = client.post(CREATE, form(plan="upload", plan_file=upload("key: [unclosed\n")))
    assert response.context["form"].errors["plan_file"][0].startswith("第 2 行第 1 列：不是有效的 YAML")
    binary = SimpleUploadedFile("plan.yaml", b"\xff\xfe\x00bad", content_type="application/octet-stream")
    response = client.post(CREATE, form(plan="upload", plan_file=binary))
    assert "UTF-8" in " ".join(response.context["form"].errors["plan_file"])
    assert not Campaign.objects.exists() and not Plan.objects.exists()


def test_upload_chosen_without_a_file_asks_for_one(login, org):
    response = login(org.user("office")).post(CREATE, form(plan="upload"))
    assert response.context["form"].errors["plan_file"] == ["请选择要上传的方案文件。"]


def test_end_before_start_is_shown_on_the_end_date_and_nothing_is_created(login, org):
    response = login(org.user("office")).post(CREATE, form(end_date="2019-02-01"))
    assert "必须晚于开始日期" in response.context["form"].errors["end_date"][0]
    assert not Campaign.objects.exists() and not Plan.objects.exists()


def test_unknown_root_unit_and_taken_slug_are_shown_on_their_fields(login, org, campaign):
    response = login(org.user("office")).post(CREATE, form(root_unit="NOPE", slug=campaign.slug))
    assert "NOPE" in response.context["form"].errors["root_unit"][0]
    response = login(org.user("office")).post(CREATE, form(slug=campaign.slug))
    assert "已被其他活动使用" in response.context["form"].errors["slug"][0]
    assert Campaign.objects.count() == 1


def test_an_upload_with_a_builtin_plans_key_is_refused_on_the_file_field(login, org):
    data = form(plan="upload", slug="mine", plan_file=upload(plan_yaml(plan_data(key="xihu-2018"))))
    response = login(org.user("office")).post(CREATE, data)
    assert response.status_code == 200
    assert "“xihu-2018”是内置方案的标识" in response.context["form"].errors["plan_file"][0]
    assert not Campaign.objects.exists() and not Plan.objects.exists()
    assert login(org.user("office")).post(CREATE, form()).status_code == 302


def test_a_street_office_is_not_offered_the_upload_and_cannot_post_one(login, org, street_office):
    client = login(street_office)
    body = client.get(CREATE).content.decode()
    assert 'value="builtin:xihu-2018"' in body and 'value="upload"' not in body and "plan_file" not in body
    data = form(plan="upload", root_unit="S-A", slug="mine", plan_file=upload(plan_yaml(plan_data(key="mine"))))
    response = client.post(CREATE, data)
    assert response.status_code == 200
    assert "上传新方案限于不限单位的大讨论办公室和系统管理员" in response.context["form"].errors["plan"][0]
    assert not Campaign.objects.exists() and not Plan.objects.exists()


def test_office_of_a_street_cannot_create_over_the_district(login, org, street_office):
    response = login(street_office).post(CREATE, form())
    assert response.status_code == 200
    assert "负责的单位范围" in response.context["form"].errors["root_unit"][0]
    assert not Campaign.objects.exists() and not Plan.objects.exists()
    assert login(street_office).post(CREATE, form(root_unit="S-A")).status_code == 302


@pytest.mark.parametrize("role", ["liaison", "cadre", "reviewer", "publicity", "citizen"])
def test_liaison_and_cadre_cannot_create(login, org, role):
    client = login(org.user(role))
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, form()).status_code == 403
    assert not Campaign.objects.exists() and not Plan.objects.exists()
