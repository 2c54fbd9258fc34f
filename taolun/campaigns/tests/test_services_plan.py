import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from taolun.campaigns import services
from taolun.campaigns.models import Plan
from taolun.core.models import AuditEntry

from .conftest import plan_data, plan_yaml


@pytest.mark.django_db
def test_loading_the_builtin_plan_stores_it_once_and_audits_it():
    plan = services.plan_load_builtin()
    assert (plan.key, plan.version, plan.is_builtin) == ("xihu-2018", 1, True)
    assert plan.title.startswith("关于在全区开展")
    assert services.plan_load_builtin().pk == plan.pk
    assert Plan.objects.count() == 1
    assert AuditEntry.objects.filter(action="campaigns.plan.load").count() == 1


@pytest.mark.django_db
def test_same_key_and_version_with_different_text_asks_to_raise_the_version():
    services.plan_load(source=plan_yaml(plan_data(key="p")), by=None)
    changed = plan_data(key="p")
    changed["title"] = "改过的方案"
    with pytest.raises(ValidationError) as caught:
        services.plan_load(source=plan_yaml(changed), by=None)
    message = " ".join(caught.value.message_dict["source"])
    assert "version" in message and "2" in message
    assert Plan.objects.get().title == "测试方案"


@pytest.mark.django_db
def test_a_new_version_of_a_plan_is_stored_beside_the_old_one():
    services.plan_load(source=plan_yaml(plan_data(key="p")), by=None)
    services.plan_load(source=plan_yaml(plan_data(key="p", version=2, themes=3)), by=None)
    assert list(Plan.objects.values_list("version", flat=True)) == [2, 1]


@pytest.mark.django_db
def test_a_bad_plan_is_refused_with_each_problem_and_nothing_stored():
    data = plan_data()
    data["themes"][0]["questoin"] = "x"
    with pytest.raises(ValidationError) as caught:
        services.plan_load(source=plan_yaml(data), by=None)
    assert any(p.startswith("themes[0] (theme-1).questoin: unknown key") for p in caught.value.message_dict["source"])
    assert not Plan.objects.exists()
    assert not AuditEntry.objects.filter(action="campaigns.plan.load").exists()


@pytest.mark.django_db
def test_unknown_builtin_plan_names_the_known_ones():
    with pytest.raises(ValidationError, match="xihu-2018"):
        services.plan_load_builtin(key="nowhere-2030")


def test_liaison_and_cadre_cannot_load_plans(org):
    for role in ("liaison", "cadre", "citizen"):
        with pytest.raises(PermissionDenied):
            services.plan_load(source=plan_yaml(plan_data()), by=org.user(role))
    assert services.plan_load(source=plan_yaml(plan_data()), by=org.user("office")).created_at
