"""Roster import: a 100,000-person workbook (about 1,000 units) imported on PostgreSQL. Target: under 30 s.

Baselines from the same run and the same file: openpyxl alone reading it in read-only mode, and a
plain ``bulk_create`` of the same people (no checks, no matching, no audit). Run alone with
``python -m bench.roster_import`` or with the others via ``python -m bench``.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
from pathlib import Path
from typing import Any

PEOPLE = 100_000
TARGET_SECONDS = 30.0

SURNAMES = [
    *"王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔",
    *"钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤",
    *["欧阳", "司马", "上官", "诸葛"],
]
GIVEN = list(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉梅春海鹏飞宇浩然子轩欣怡晨阳文博雨涵思远嘉琪佳慧"
)
STREETS = ["彩屯", "河西", "东风", "大河", "石桥子", "站前", "火连寨", "歪头山", "日月岛", "张其寨"]
DEPARTMENTS = [
    "发展和改革局", "财政局", "教育局", "民政局", "司法局", "人力资源和社会保障局", "自然资源局", "生态环境分局",
    "住房和城乡建设局", "交通运输局", "农业农村局", "商务局", "文化旅游和广播电视局", "卫生健康局", "退役军人事务局",
    "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局", "城市管理综合行政执法局", "信访局",
    "科学技术局", "工业和信息化局", "水利局", "林业局", "体育局", "机关事务服务中心", "营商环境建设局", "档案馆",
]  # fmt: skip
COMMUNITY_WORDS = list("和平幸福光明新华东明太平永安兴隆胜利建设民主团结友谊春华秋实")
POSITIONS = ["科员", "副科长", "科长", "主任", "副主任", "书记", "副书记", "委员", "干事", "网格员"]
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(first17: str) -> str:
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def make_units() -> list[list[Any]]:
    """About 1,000 units: a district, 10 streets with 60 communities each, 30 departments with 12 sections."""
    units: list[list[Any]] = [["D0001", "溪湖区", "", "区县", "溪湖", "城区", 1]]
    for s, street in enumerate(STREETS, start=1):
        code = f"S{s:02d}"
        units.append([code, f"{street}街道", "D0001", "街道乡镇", street, "街道", s])
        for c in range(1, 61):
            word = COMMUNITY_WORDS[c % len(COMMUNITY_WORDS)] + COMMUNITY_WORDS[(c * 7) % len(COMMUNITY_WORDS)]
            units.append([f"{code}C{c:02d}", f"{street}{word}{c}社区", code, "社区村", "", "社区", c])
    for d, dept in enumerate(DEPARTMENTS, start=1):
        code = f"B{d:02d}"
        units.append([code, f"区{dept}", "D0001", "部门", "", "部门、机关", 100 + d])
        for k in range(1, 13):
            units.append([f"{code}K{k:02d}", f"区{dept}第{k}科室", code, "单位", "", "", k])
    return units


def make_people(unit_codes: list[str], n: int, rng: random.Random) -> list[list[Any]]:
    people: list[list[Any]] = []
    seen_ids: set[str] = set()
    born_from = dt.date(1960, 1, 1)
    for i in range(1, n + 1):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        while True:
            born = born_from + dt.timedelta(days=rng.randrange(40 * 365))
            candidate = id_number(f"210503{born:%Y%m%d}{rng.randrange(1000):03d}")
            if candidate not in seen_ids:
                seen_ids.add(candidate)
                break
        leader = rng.random() < 0.05
        phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
        batch = rng.choice(["", 1, 2, 3, 4, 5, 6])
        people.append(
            [
                f"P{i:06d}",
                name,
                unit_codes[i % len(unit_codes)],
                rng.choice(POSITIONS),
                "是" if leader else "否",
                "是" if leader or rng.random() < 0.4 else "否",
                "是" if leader or rng.random() < 0.6 else "否",
                phone,
                candidate if rng.random() < 0.9 else "",
                batch,
            ]
        )
    return people


def write_workbook(path: Path, units: list[list[Any]], people: list[list[Any]]) -> None:
    from openpyxl import Workbook

    from taolun.orgs.roster_format import PERSON_COLUMNS, UNIT_COLUMNS

    wb = Workbook(write_only=True)
    for title, columns, rows in (("单位", UNIT_COLUMNS, units), ("人员", PERSON_COLUMNS, people)):
        ws = wb.create_sheet(title)
        ws.append([c.header for c in columns])
        for row in rows:
            ws.append(row)
    wb.save(path)


def read_with_openpyxl(path: Path) -> int:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    rows = sum(1 for ws in wb.worksheets for _ in ws.iter_rows(values_only=True))
    wb.close()
    return rows


def plain_bulk_create(people: list[list[Any]]) -> None:
    """The floor: the same people inserted with bulk_create, no checks, no matching, no audit."""
    from django.db import connection, transaction

    from taolun.orgs.models import Person, Unit

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE orgs_person CASCADE")
    unit_ids = dict(Unit.objects.values_list("code", "id"))
    objs = [
        Person(
            code=p[0],
            name=p[1],
            unit_id=unit_ids[p[2]],
            position=p[3],
            is_leading_cadre=p[4] == "是",
            is_party_member=p[5] == "是",
            is_cadre=p[6] == "是",
            phone=p[7],
            id_number=p[8] or None,
            training_batch=p[9] or None,
        )
        for p in people
    ]
    with transaction.atomic():
        for start in range(0, len(objs), 2000):
            Person.objects.bulk_create(objs[start : start + 2000])


class PhaseClock:
    """Records when each import phase first reports progress."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.first: dict[str, float] = {}

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        self.first.setdefault(phase, time.perf_counter() - self.start)


def run(people_count: int = PEOPLE) -> dict[str, float]:
    from taolun.orgs.models import Person, Unit
    from taolun.orgs.roster import roster_import

    from .common import line, seconds, server_version, timed, verdict

    rng = random.Random(20181)
    units = make_units()
    people = make_people([u[0] for u in units], people_count, rng)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "roster-100k.xlsx"
        gen_time, _ = timed(lambda: write_workbook(path, units, people))
        size_mb = path.stat().st_size / 1048576
        print(f"\nRoster import — {server_version()}, {len(units):,} units, {len(people):,} people")
        line("set-up: generate the workbook (not measured)", seconds(gen_time), f"{size_mb:.1f} MB")

        read_time, rows = timed(lambda: read_with_openpyxl(path))
        line("baseline: openpyxl read-only reads the file", seconds(read_time), f"{rows:,} rows")

        dry_time, dry = timed(lambda: roster_import(path=path, filename=path.name, under=None, by=None, dry_run=True))
        assert dry.ok, dry.errors[:5]
        line("roster_import dry run (read + check + match)", seconds(dry_time))

        clock = PhaseClock()
        import_time, report = timed(
            lambda: roster_import(path=path, filename=path.name, under=None, by=None, progress=clock)
        )
        assert report.ok and report.people.created == len(people), report.errors[:5]
        assert Person.objects.count() == len(people) and Unit.objects.count() == len(units)
        phases = ", ".join(f"{k} from {v:.1f} s" for k, v in clock.first.items())
        line(
            "roster_import, first import (creates everything)",
            seconds(import_time),
            f"target < {TARGET_SECONDS:.0f} s  {verdict(import_time, TARGET_SECONDS)}",
        )
        line("    phases", "", phases)
        line("    ratio to the openpyxl read baseline", f"{import_time / read_time:8.2f} ×")

        again_time, again = timed(lambda: roster_import(path=path, filename=path.name, under=None, by=None))
        assert again.ok and again.people.unchanged == len(people), again.errors[:5]
        line(
            "roster_import, same file again (all unchanged)",
            seconds(again_time),
            f"target < {TARGET_SECONDS:.0f} s  {verdict(again_time, TARGET_SECONDS)}",
        )

        bulk_time, _ = timed(lambda: plain_bulk_create(people))
        line("baseline: plain bulk_create of the same people", seconds(bulk_time))
        line("    first import / plain bulk_create", f"{import_time / bulk_time:8.2f} ×")
    return {"import": import_time, "reimport": again_time, "read": read_time, "bulk_create": bulk_time}


if __name__ == "__main__":
    from .common import bench_database

    with bench_database():
        run()
