"""Texts for the detector's tests: the government reports of ``../shared/corpus`` when they are there.

Without that folder (a checkout elsewhere) the tests still run, on deterministic stand-ins of the same
shape: one long report a year, 1980–2017, of sentences drawn from an official vocabulary, every one of
them carrying the same stock phrases (提法) — independent of each other except for those phrases.
"""

from __future__ import annotations

import os
import random
from functools import cache
from pathlib import Path

CORPUS = Path(os.environ.get("TAOLUN_CORPUS") or Path(__file__).resolve().parents[3].parent / "shared" / "corpus")
NATIONAL = CORPUS / "gov-reports-national"

WORDS = [
    "发展",
    "改革",
    "开放",
    "创新",
    "经济",
    "社会",
    "民生",
    "就业",
    "教育",
    "医疗",
    "住房",
    "交通",
    "农业",
    "农村",
    "农民",
    "工业",
    "企业",
    "科技",
    "人才",
    "市场",
    "消费",
    "投资",
    "出口",
    "财政",
    "金融",
    "税收",
    "价格",
    "收入",
    "保障",
    "养老",
    "生态",
    "环境",
    "能源",
    "资源",
    "城乡",
    "区域",
    "文化",
    "体育",
    "法治",
    "安全",
    "稳定",
    "治理",
    "服务",
    "政府",
    "基层",
    "干部",
    "群众",
    "制度",
    "机制",
    "体系",
    "结构",
    "质量",
    "效益",
    "速度",
    "规模",
    "水平",
    "能力",
    "基础",
    "设施",
    "项目",
    "工程",
    "建设",
    "管理",
    "监督",
    "检查",
    "落实",
    "推进",
    "加快",
    "深化",
    "扩大",
    "提高",
    "增强",
    "完善",
    "健全",
    "优化",
    "调整",
    "巩固",
    "加强",
    "促进",
    "保护",
    "支持",
    "引导",
    "鼓励",
    "规范",
    "实施",
    "开展",
    "组织",
    "统筹",
    "协调",
    "推动",
    "实现",
    "坚持",
    "着力",
    "努力",
    "积极",
    "稳妥",
    "全面",
    "重点",
    "突出",
    "主要",
    "任务",
    "目标",
    "措施",
    "政策",
    "计划",
    "方案",
    "试点",
    "示范",
    "园区",
    "港口",
    "铁路",
    "公路",
    "水利",
    "电力",
    "通信",
    "网络",
    "数字",
    "平台",
    "产业",
    "链条",
    "集群",
    "龙头",
    "中小",
    "民营",
    "国有",
    "外资",
    "合作",
    "交流",
    "对外",
    "对内",
    "东部",
    "中部",
    "西部",
    "东北",
    "边疆",
    "海洋",
    "粮食",
    "种子",
    "耕地",
    "林业",
]
STOCK_PHRASES = (
    "坚持以人民为中心的发展思想",
    "全面深化改革扩大对外开放",
    "推动经济高质量发展",
    "加快转变政府职能",
    "保持经济运行在合理区间",
    "统筹发展和安全",
)
YEARS = [str(year) for year in range(1980, 2018)]


def _stand_in(year: str) -> str:
    rng = random.Random(f"taolun-text-{year}")
    sentences = []
    while sum(len(s) for s in sentences) < 18000:
        words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
        if rng.random() < 0.15:
            words.insert(rng.randrange(len(words)), rng.choice(STOCK_PHRASES))
        cut = rng.randrange(3, len(words) - 2)
        sentences.append("".join(words[:cut]) + "，" + "".join(words[cut:]) + "。")
    return "\n".join("".join(sentences[i : i + 6]) for i in range(0, len(sentences), 6))


@cache
def reports() -> dict[str, str]:
    """The national reports by year (real when the corpus is there, stand-ins otherwise)."""
    if NATIONAL.is_dir():
        return {path.stem: path.read_text(encoding="utf-8") for path in sorted(NATIONAL.glob("*.txt"))}
    return {year: _stand_in(year) for year in YEARS}


def report(year: str) -> str:
    texts = reports()
    return texts[year] if year in texts else texts[sorted(texts)[len(texts) // 2]]
