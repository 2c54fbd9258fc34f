"""Units and people as the API shows and accepts them."""

from __future__ import annotations

from ninja import Field, Schema

from taolun.orgs.models import PersonRole, UnitKind

from .common import Input, PageOut, PatchInput


class UnitOut(Schema):
    id: int
    name: str
    short_name: str
    code: str
    kind: UnitKind
    kind_label: str
    parent_id: int | None
    depth: int
    tags: list[str]
    sort_order: int
    is_active: bool
    child_count: int = Field(description="直接下级单位数。")
    people_count: int = Field(description="本单位（不含下级）在册人数。")


class SubtreeSummaryOut(Schema):
    units: int = Field(description="本单位及全部下级单位数。")
    total: int = Field(description="在册人员总数（含下级单位）。")
    leaders: int
    party: int
    cadres: int
    with_account: int


class UnitDetailOut(UnitOut):
    summary: SubtreeSummaryOut


class UnitPage(PageOut):
    items: list[UnitOut]


class UnitFilters(Schema):
    q: str = Field("", max_length=120, description="名称、简称包含，或代码等于。")
    kind: UnitKind | None = None
    tag: str = Field("", max_length=50, description="带有该标签的单位。")
    parent: int | None = Field(None, description="直接下级：该单位的子单位。")
    under: int | None = Field(None, description="子树：该单位及其全部下级单位。")


class UnitCreateIn(Input):
    name: str = Field(max_length=120)
    code: str = Field(max_length=64, description="唯一代码：字母、数字和 _ . -")
    kind: UnitKind = UnitKind.UNIT
    parent: int | None = Field(None, description="上级单位编号；不填为顶级单位（仅全局办公室或系统管理员）。")
    short_name: str = Field("", max_length=60)
    tags: list[str] = Field(default_factory=list)
    sort_order: int = 0


class UnitPatchIn(PatchInput):
    nullable = frozenset({"parent"})

    name: str | None = Field(None, max_length=120)
    short_name: str | None = Field(None, max_length=60)
    code: str | None = Field(None, max_length=64)
    kind: UnitKind | None = None
    parent: int | None = Field(None, description="移到另一上级单位之下（整棵子树随之移动）；null 为顶级。")
    sort_order: int | None = None
    is_active: bool | None = None
    tags: list[str] | None = Field(None, description="替换全部标签。")


class PersonOut(Schema):
    id: int
    name: str
    code: str
    unit_id: int
    unit_code: str
    unit_name: str
    position: str
    roles: list[PersonRole]
    is_leading_cadre: bool
    is_party_member: bool
    is_cadre: bool
    phone: str = Field(description="办公室（范围内）和本人可见完整号码，其他角色为掩码，如 138****1234。")
    id_number: str = Field(description="同手机号：按角色掩码。")
    training_batch: int | None
    has_account: bool
    is_active: bool


class PersonPage(PageOut):
    items: list[PersonOut]


class PersonFilters(Schema):
    q: str = Field("", max_length=60, description="姓名、职务、单位名称包含，或人员编号等于。")
    unit: int | None = Field(None, description="该单位及其下级单位的人员。")
    role: PersonRole | None = None
    batch: int | None = Field(None, ge=0, le=32767, description="培训批次。")


class PersonCreateIn(Input):
    unit: int = Field(description="所在单位编号。")
    name: str = Field(max_length=60)
    code: str | None = Field(None, max_length=64)
    position: str = Field("", max_length=120)
    is_leading_cadre: bool = False
    is_party_member: bool = False
    is_cadre: bool = False
    phone: str = Field("", max_length=30)
    id_number: str | None = Field(None, max_length=30)
    training_batch: int | None = Field(None, ge=0, le=32767)
    is_active: bool = True


class PersonPatchIn(PatchInput):
    nullable = frozenset({"code", "id_number", "training_batch"})

    unit: int | None = None
    name: str | None = Field(None, max_length=60)
    code: str | None = Field(None, max_length=64)
    position: str | None = Field(None, max_length=120)
    is_leading_cadre: bool | None = None
    is_party_member: bool | None = None
    is_cadre: bool | None = None
    phone: str | None = Field(None, max_length=30)
    id_number: str | None = Field(None, max_length=30)
    training_batch: int | None = Field(None, ge=0, le=32767)
    is_active: bool | None = None
