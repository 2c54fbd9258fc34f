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
    assert (
        "第 1 项讨论主题（theme-1）的 questoin：未知的键，请对照 docs/plan-format.md 检查拼写。"
        in (caught.value.message_dict["source"])
    )
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


def test_only_a_global_office_or_an_admin_uploads_plans(org, street_office):
    """Plans are shared by every campaign: an office scoped to one street may not add or shadow one."""
    with pytest.raises(PermissionDenied):
        services.plan_load(source=plan_yaml(plan_data(key="street-plan")), by=street_office)
    assert not Plan.objects.exists()
    assert services.plan_load(source=plan_yaml(plan_data(key="office-plan")), by=org.user("office")).pk
    assert services.plan_load(source=plan_yaml(plan_data(key="admin-plan")), by=org.user("admin")).pk


def test_a_street_office_may_still_use_the_builtin_plan(street_office):
    plan = services.plan_load_builtin(by=street_office)
    assert plan.is_builtin and plan.key == "xihu-2018"


@pytest.mark.parametrize("version", [1, 2])
def test_an_upload_may_not_take_a_builtin_plans_key(org, version):
    """Otherwise an upload of ``xihu-2018`` v1 with other text would block the built-in plan for everyone."""
    with pytest.raises(ValidationError) as caught:
        services.plan_load(source=plan_yaml(plan_data(key="xihu-2018", version=version)), by=org.user("office"))
    (message,) = caught.value.message_dict["source"]
    assert "“xihu-2018”是内置方案的标识" in message and "换一个标识" in message
    assert not Plan.objects.exists()
    assert services.plan_load_builtin(by=org.user("office")).is_builtin


def test_an_upload_may_not_take_a_builtin_key_even_after_the_builtin_is_loaded(org):
    builtin = services.plan_load_builtin()
    with pytest.raises(ValidationError, match="xihu-2018"):
        services.plan_load(source=plan_yaml(plan_data(key="xihu-2018", version=2)), by=None)
    assert list(Plan.objects.all()) == [builtin]
