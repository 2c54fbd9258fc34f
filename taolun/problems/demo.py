"""The demo district's problem ledger (问题清单 / 整改台账) and leaders' self-examinations.

Thirty-one problems across the district's streets, communities and departments, found by
self-examination, research topics, the inspection visit's opinions (converted as the office would),
the online discussion and spot checks, each walked through the services (``by=None``, so every step
has its audit entry and the problem's history shows it): some only found, one dismissed, some
confirmed, most rectifying with measures and dated progress reports, some done and waiting for
verification, and some closed (销号) — most of them published on the public ledger — and one closed
and reopened. Measures are dated around today so that every light occurs: red (overdue), yellow
(due within the window or behind the straight line), green and done. One extension waits for the
office, one was approved. The demo cadre owns measures in 东兴社区 and the demo leader a problem of
区发展和改革局, so "我的整改" shows something for both. Two leaders have submitted their
self-examination and one has saved a draft.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from taolun.activities.models import Opinion
from taolun.activities.records import opinion_convert
from taolun.campaigns.models import Campaign
from taolun.orgs.models import Person, Unit
from taolun.research.models import ResearchTopic

from . import services
from .models import Problem, ProblemSource
from .selfexam import self_examination_save

LEADER, CADRE = "leader", "cadre"  # owner keys: the unit's first leading cadre; the demo cadre


@dataclass(frozen=True)
class MeasureSpec:
    content: str
    starts: int  # days from today
    deadline: int
    progress: tuple[tuple[int, int, str], ...] = ()  # (days from today, %, what was done)
    owner: str = ""  # "" the unit's first staff member, CADRE, or a name not on the roster


@dataclass(frozen=True)
class ProblemSpec:
    unit: str
    source: str
    content: str
    state: str  # found, dismissed, confirmed, rectifying, done, closed, public, reopened
    category: str = ""
    theme: str = ""
    dimension: str = ""
    standard: str = ""
    deadline: int | None = None  # days from today
    measures: tuple[MeasureSpec, ...] = ()
    result: str = ""
    owner: str = LEADER
    topic: str = ""  # the research topic's title (source research_topic)
    opinion: str = ""  # the beginning of the inspection opinion it was converted from
    source_note: str = ""
    extension: str = ""  # "pending" or "approved"
    note: str = ""  # why it was dismissed or reopened
    later: tuple[MeasureSpec, ...] = field(default=())  # measures set after reopening


P = ProblemSource
PROBLEMS = [
    # —— from the research topics ——
    ProblemSpec(
        "区行政审批局", P.RESEARCH_TOPIC,
        "政务服务事项网上可办率仅为61%，部门业务系统不互通，企业开办仍需重复提交材料。",
        "rectifying", "institutions", "benchmarking", "reform-opening",
        "年底前高频政务服务事项网上可办率达到90%以上，企业开办1个工作日内办结。", 60,
        (
            MeasureSpec("建成全区统一受理平台，打通审批、市场监管、不动产登记系统数据", -20, 50,
                        ((-12, 20, "完成平台需求调研和接口梳理。"),
                         (-3, 45, "审批、市场监管两个系统已完成对接测试。"))),
            MeasureSpec("梳理高频事项清单，编制一次性告知单并在网上公开", -20, 10,
                        ((-10, 60, "梳理高频事项126项。"), (-2, 90, "一次性告知单已完成审核，待上网公开。"))),
        ),
        topic="深化“放管服”改革推进政务服务“一网通办”调研",
    ),
    ProblemSpec(
        "区行政审批局", P.RESEARCH_TOPIC,
        "窗口工作人员“多干多错、少干少错”思想仍然存在，容缺受理、首问负责落实不到位。",
        "rectifying", "mindset", "work-style", "reform-opening",
        "容缺受理、首问负责制度全面落实，办事群众满意率达到95%以上。", 30,
        (MeasureSpec("制定容缺受理事项清单和首问负责制度，组织窗口人员专题培训", -25, 25,
                     ((-15, 10, "起草容缺受理事项清单初稿。"),)),),
        topic="深化“放管服”改革推进政务服务“一网通办”调研",
    ),
    ProblemSpec(
        "区发展和改革局", P.RESEARCH_TOPIC, "近三年签约项目58个，其中19个未落地，签约项目跟踪服务机制不健全。",
        "rectifying", "opening-up", "confidence", "economy",
        "建立签约项目全程代办机制，年内未落地项目落地率达到50%以上。", 50,
        (
            MeasureSpec("建立签约项目“一项目一专班”跟踪台账，每月调度", -10, 5,
                        ((-3, 70, "已为19个未落地项目逐一建立专班和台账。"),), owner=LEADER),
            MeasureSpec("协调解决6个项目的土地手续和配套设施问题", -10, 45),
        ),
        topic="招商引资项目落地难问题调研",
    ),
    ProblemSpec(
        "彩屯街道", P.RESEARCH_TOPIC, "太子河沿岸9处疑似排污口权属不清，监管责任没有落实到人。",
        "rectifying", "institutions", "shortcomings", "ecology",
        "排污口全部溯源建档，逐一明确监管责任人，杜绝直排。", 40,
        (MeasureSpec("逐一溯源排污口，建立档案并明确监管责任人", -12, 30, ((-6, 30, "已完成3处排污口溯源。"),)),),
        topic="太子河流域生态环境治理调研",
    ),
    # —— converted from the district inspection's opinions ——
    ProblemSpec(
        "区住房和城乡建设局", P.INSPECTION, "", "rectifying", "economic-structure", "key-tasks", "",
        "年内完成彩北社区3个老旧小区雨污分流改造，雨季不再积水。", 45,
        (
            MeasureSpec("完成改造工程设计和施工招标", -30, -3,
                        ((-20, 30, "完成现场勘察和初步设计。"), (-8, 60, "施工图审查通过，招标公告已发布。"))),
            MeasureSpec("组织施工，完成雨污管网改造并验收", 0, 45),
        ),
        opinion="老旧小区雨污分流", extension="pending",
    ),
    ProblemSpec(
        "区民政局", P.INSPECTION, "", "rectifying", "institutions", "key-tasks", "",
        "全区社区养老服务站白天有人值守，每站至少配备2名护理员。", 20,
        (
            MeasureSpec("公开招聘社区养老护理员30名", -20, 5, ((-6, 50, "已招聘护理员15名，第二批招聘公告已发布。"),)),
            MeasureSpec("制定养老服务站值守排班制度", -20, 10, ((-10, 100, "排班制度已印发各服务站执行。"),)),
        ),
        opinion="社区养老服务站", extension="approved",
    ),
    ProblemSpec(
        "区生态环境分局", P.INSPECTION, "", "rectifying", "economic-structure", "shortcomings", "",
        "沿岸7家散乱污企业全部整治到位，入河排污口全部规范设置。", 60,
        (
            MeasureSpec("对7家散乱污企业分类处置：关停取缔3家、整改提升4家", -15, 40,
                        ((-5, 40, "已关停取缔2家，4家企业整改方案已审定。"),)),
            MeasureSpec("入河排污口溯源整治和规范化设置", -15, 55, ((-5, 30, "完成排污口监测采样。"),)),
        ),
        opinion="太子河沿岸",
    ),
    ProblemSpec(
        "区文化旅游和广播电视局", P.INSPECTION, "", "found", dimension="culture", opinion="公共文化场馆", owner="",
    ),
    # —— self-examination, the online discussion and spot checks ——
    ProblemSpec(
        "区发展和改革局", P.SELF_EXAMINATION, "重项目争取、轻项目服务，对企业诉求响应不及时。",
        "confirmed", "mindset", "party-leadership", "economy",
        "建立企业诉求24小时响应机制，企业满意度达到90%以上。", 40,
        (MeasureSpec("建立企业诉求24小时响应和限时办结机制", 0, 35, owner=LEADER),),
    ),
    ProblemSpec(
        "河东街道", P.SELF_EXAMINATION, "街道网格员配备不足，平均每名网格员服务居民800户，群众诉求办理不及时。",
        "rectifying", "institutions", "work-style", "livelihood",
        "每名网格员服务户数降至400户以内，居民诉求48小时内响应。", 30,
        (
            MeasureSpec("补充招录专职网格员20名", -30, -5,
                        ((-20, 40, "完成招录8名。"), (-8, 70, "第二批12名已完成笔试，待面试。"))),
            MeasureSpec("建立网格事项办理限时制度", -30, 20, ((-10, 100, "制度已印发执行。"),)),
        ),
    ),
    ProblemSpec(
        "东兴社区", P.DISCUSSION, "小区楼道照明和单元门禁损坏较多，居民多次反映，维修不及时。",
        "rectifying", "institutions", "work-style", "livelihood",
        "一个月内完成全部损坏照明和门禁维修，建立设施每周巡查制度。", 25,
        (
            MeasureSpec("排查并维修损坏的楼道照明和单元门禁", -15, -2,
                        ((-10, 40, "排查出损坏照明46处、门禁9处，已修复18处。"), (-4, 80, "累计修复44处。")),
                        owner=CADRE),
            MeasureSpec("建立设施每周巡查制度，巡查结果在居民群公示", -15, 20,
                        ((-9, 50, "巡查表已制定，完成2次巡查。"),), owner=CADRE),
        ),
        source_note="网上大讨论居民留言",
    ),
    ProblemSpec(
        "东兴社区", P.SPOT_CHECK, "社区大讨论学习记录不完整，部分党员未参加集中学习。",
        "closed", "mindset", "work-style", "",
        "补齐学习记录，社区党员参学率达到100%。", 15,
        (MeasureSpec("组织未参学党员补学，完善学习台账", -10, 14, ((-5, 100, "已组织补学2次，学习台账已补齐。"),),
                     owner=CADRE),),
        result="7名未参学党员全部完成补学，学习台账完整。", source_note="区督导组第二轮督导检查",
    ),
    ProblemSpec(
        "光明社区", P.DISCUSSION, "社区卫生服务站开诊时间短，上班族下班后就诊不便。",
        "public", "institutions", "work-style", "livelihood",
        "卫生服务站工作日开诊至20:00，周末正常开诊。", 20,
        (MeasureSpec("调整卫生服务站排班，实行错时、延时服务", -25, 10,
                     ((-18, 50, "排班方案已征求医护人员意见。"), (-6, 100, "新排班自本周一起执行。"))),),
        result="卫生服务站自本月起工作日开诊至20:00，周末正常开诊，回访居民满意率96%。",
    ),
    ProblemSpec(
        "河西街道", P.SELF_EXAMINATION, "辖区商贸业态单一，闲置商业用房多，街道经济缺乏新的增长点。",
        "rectifying", "economic-structure", "key-tasks", "economy",
        "盘活闲置商业用房50%以上，引进社区商业综合体项目1个。", 60,
        (
            MeasureSpec("对闲置商业用房逐户摸底，建立招商资源库", -20, 30,
                        ((-12, 30, "完成摸底62户。"), (-4, 40, "资源库已录入38户。"))),
            MeasureSpec("引进社区商业综合体项目1个", -20, 55, ((-4, 10, "与2家意向企业初步接洽。"),)),
        ),
    ),
    ProblemSpec(
        "彩屯街道", P.SPOT_CHECK, "辖区企业安全生产隐患排查不彻底，部分企业消防通道被占用。",
        "rectifying", "institutions", "work-style", "livelihood",
        "隐患全部整改销号，消防通道全部畅通。", 20,
        (MeasureSpec("开展安全生产专项检查，限期整改消防通道占用问题", -30, -6,
                     ((-25, 20, "检查企业41家，发现隐患63项。"), (-12, 50, "已整改隐患32项。"))),),
        source_note="区应急管理局专项督查",
    ),
    ProblemSpec(
        "东风街道", P.SELF_EXAMINATION, "部分干部存在“等靠要”思想，主动对接上级政策和项目资金不够。",
        "done", "mindset", "party-leadership", "economy",
        "建立政策研究和项目申报专班，每月通报进展。", 30,
        (MeasureSpec("成立政策研究和项目申报专班，每月通报申报进展", -20, 25,
                     ((-10, 60, "专班已成立，梳理可申报项目8个。"), (-2, 100, "本月申报上级项目3个。"))),),
        result="已成立专班，本月申报上级项目3个，争取资金420万元。",
    ),
    ProblemSpec(
        "竖井街道", P.DISCUSSION, "青山社区冬季供暖温度不达标，居民投诉集中。",
        "public", "institutions", "key-tasks", "livelihood",
        "室温稳定达到18℃以上，供暖投诉24小时内处置。", 30,
        (
            MeasureSpec("督促热力公司更换老化供热管网", -20, 20,
                        ((-10, 50, "已更换管网0.6公里。"), (-1, 100, "1.2公里老化管网全部更换完成。"))),
            MeasureSpec("建立供暖投诉快速处置机制", -20, 10, ((-5, 100, "投诉快速处置机制已运行。"),)),
        ),
        result="已更换老化管网1.2公里，室温达到18℃以上，供暖投诉量下降85%。",
    ),
    ProblemSpec(
        "日月岛街道", P.SPOT_CHECK, "旅游旺季景区周边交通拥堵，停车位严重不足。",
        "public", "economic-structure", "key-tasks", "urban-rural",
        "旺季景区周边道路通行顺畅，新增停车位300个以上。", 45,
        (MeasureSpec("新建临时停车场2处，增设停车位300个", -15, 40, ((-7, 100, "2处临时停车场已投入使用。"),)),),
        result="新建临时停车场2处、停车位320个，旺季景区周边道路通行正常。",
    ),
    ProblemSpec(
        "张其寨街道", P.SELF_EXAMINATION, "街道为民服务中心事项进驻不全，群众办事需要多头跑。",
        "reopened", "institutions", "work-style", "reform-opening",
        "民政、社保、医保等事项全部进驻为民服务中心，实现“一窗受理”。", 30,
        (MeasureSpec("推动民政、社保、医保等事项全部进驻为民服务中心", -25, 25,
                     ((-15, 60, "民政、医保事项已进驻。"), (-5, 100, "社保窗口已设立。"))),),
        result="民政、社保、医保事项已进驻为民服务中心。",
        note="回访发现灵活就业人员参保仍须到区里办理，事项未真正下放，重新整改。",
        later=(MeasureSpec("协调区人社局下放灵活就业人员参保办理权限", 0, 25),),
    ),
    ProblemSpec(
        "石桥子街道", P.DISCUSSION, "农贸市场周边占道经营，环境卫生差，早晚高峰通行困难。",
        "public", "institutions", "work-style", "urban-rural",
        "占道经营问题全部清理，设置便民疏导点，建立长效管理机制。", 20,
        (MeasureSpec("规划建设便民疏导点，开展占道经营专项整治", -20, 15,
                     ((-12, 50, "便民疏导点选址完成。"), (-3, 100, "2处疏导点投入使用。"))),),
        result="设置便民疏导点2处，占道经营问题基本消除，建立了街道、城管联合巡查机制。",
    ),
    ProblemSpec(
        "火连寨街道", P.SELF_EXAMINATION, "村集体经济薄弱，3个村集体经济年收入不足10万元。",
        "confirmed", "economic-structure", "key-tasks", "economy",
        "3个薄弱村集体经济年收入全部达到15万元以上。", 80,
        (MeasureSpec("因村施策发展光伏发电、林下经济等项目", 0, 75),),
    ),
    ProblemSpec(
        "歪头山镇", P.SPOT_CHECK, "镇村两级河长巡河记录不全，部分河段垃圾清理不及时。",
        "rectifying", "institutions", "work-style", "ecology",
        "河长按规定频次巡河并留痕，河道垃圾日产日清。", 25,
        (MeasureSpec("落实河长巡河制度，开展河道垃圾集中清理", -30, -4, ((-20, 40, "清理河道垃圾12吨。"),)),),
        source_note="区河长办暗访",
    ),
    ProblemSpec(
        "区住房和城乡建设局", P.SELF_EXAMINATION, "建设项目审批环节多、时限长，施工许可平均用时45个工作日。",
        "rectifying", "institutions", "benchmarking", "reform-opening",
        "施工许可审批时限压缩至20个工作日以内。", 40,
        (MeasureSpec("推行施工图联合审查、多图联审", -30, 3,
                     ((-20, 30, "联合审查方案已报区政府。"), (-6, 70, "联合审查平台试运行。"))),),
    ),
    ProblemSpec(
        "区教育局", P.DISCUSSION, "城区学校课后服务时间与家长下班时间不衔接，接孩子难。",
        "done", "institutions", "key-tasks", "livelihood",
        "城区小学全部开展课后延时服务至18:00。", 30,
        (MeasureSpec("全面推行课后延时服务至18:00", -20, 15,
                     ((-12, 60, "12所学校已开展。"), (-3, 100, "城区小学全部开展。"))),),
        result="全区城区小学全部开展课后延时服务，参与学生占比87%。",
    ),
    ProblemSpec(
        "区卫生健康局", P.DISCUSSION, "社区医院常用药品种类少，慢性病患者需到大医院开药。",
        "rectifying", "institutions", "key-tasks", "livelihood",
        "社区医院慢性病常用药配备率达到95%，实现与区医院处方流转。", 35,
        (MeasureSpec("扩大社区医院慢性病用药目录，与区医院建立处方流转", -10, 30,
                     ((-4, 40, "用药目录已增补药品42种。"),)),),
    ),
    ProblemSpec(
        "区市场监督管理局", P.SPOT_CHECK, "食品小作坊登记备案不全，日常监管存在盲区。",
        "rectifying", "institutions", "work-style", "livelihood",
        "食品小作坊全部登记备案，纳入日常监管。", 30,
        (MeasureSpec("开展食品小作坊登记备案专项行动", -25, -2, ((-15, 60, "已登记备案小作坊37家。"),)),),
        source_note="市食安办督导检查",
    ),
    ProblemSpec(
        "区营商环境建设局", P.SELF_EXAMINATION, "惠企政策宣传解读不到位，企业对政策知晓率低。",
        "found", "opening-up", "confidence", "economy",
        "惠企政策企业知晓率达到90%以上。",
    ),
    ProblemSpec("区信访局", P.DISCUSSION, "信访事项办理答复不及时，重复信访比例偏高。", "found", owner=""),
    ProblemSpec(
        "区统计局", P.SELF_EXAMINATION, "统计数据报送时间与省统计联网直报系统要求不一致。", "dismissed",
        note="属于上级统一规定的报送制度，不属于本单位可整改的问题，不予认定。",
    ),
    ProblemSpec(
        "区人力资源和社会保障局", P.DISCUSSION, "灵活就业人员参保手续繁琐，需多次往返窗口。",
        "public", "institutions", "work-style", "livelihood",
        "灵活就业人员参保实现“掌上办”“一次办”。", 30,
        (MeasureSpec("上线灵活就业人员参保“掌上办”", -20, 20,
                     ((-12, 40, "系统开发完成。"), (-4, 100, "“掌上办”已上线运行。"))),),
        result="推行灵活就业人员参保“掌上办”，办理时间由3天缩短为当场办结。",
    ),
    ProblemSpec(
        "区财政局", P.SELF_EXAMINATION, "财政资金拨付流程长，项目资金到位慢。",
        "confirmed", "institutions", "work-style", "economy",
        "项目资金拨付时间压缩至10个工作日以内。", 25,
        (MeasureSpec("精简资金拨付审批环节，推行国库集中支付电子化", 0, 25),),
    ),
]  # fmt: skip

SELF_EXAMINATIONS = [
    # (unit, rank among its leading cadres, submitted, items)
    (
        "溪湖区",
        0,
        True,
        [
            (
                "政治定力",
                "对新形势下解放思想的紧迫性认识不足，有时满足于完成上级部署。",
                "每月开展一次专题学习，带头讲党课。",
            ),
            (
                "工作思路",
                "抓经济发展习惯于传统路径，对新业态、新模式研究不够。",
                "牵头主持“一网通办”调研课题，形成改革方案。",
            ),
            ("能力素质", "运用数字化手段推动治理的能力有差距。", "参加数字政府专题培训，年内带队赴先进地区学习。"),
        ],
    ),
    (
        "河东街道",
        0,
        True,
        [
            ("政治定力", "落实全面从严治党主体责任有时失之于宽。", "每季度听取班子成员履行“一岗双责”情况汇报。"),
            ("工作思路", "抓基层治理重管理、轻服务。", "推行网格员包户联系制度。"),
            ("能力素质", "处理群众急难愁盼问题办法不多。", "每周一次到社区接待群众。"),
        ],
    ),
    ("河西街道", 0, False, [("工作思路", "招商引资思路不宽，坐等项目上门。", "建立闲置商业用房招商资源库。")]),
]


def _photo(name: str, color: tuple[int, int, int]) -> SimpleUploadedFile:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (800, 600), color)
    ImageDraw.Draw(image).rectangle((60, 60, 740, 540), outline=(255, 255, 255), width=10)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=75)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def _unit(district: Unit, name: str) -> Unit:
    return district if name == district.name else Unit.objects.get(path__startswith=district.path, name=name)


def _owner(key: str, unit: Unit, cadre: Person | None) -> Person | None:
    """LEADER: the unit's first leading cadre; CADRE: the demo cadre; otherwise the unit's first staff member."""
    if key == CADRE and cadre is not None and cadre.unit.path.startswith(unit.path):
        return cadre
    people = Person.objects.filter(unit=unit, is_active=True).order_by("id")
    return people.filter(is_leading_cadre=key == LEADER).first() or people.first()


def _date(today: dt.date, offset: int) -> dt.date:
    return today + dt.timedelta(days=offset)


def _file(spec: ProblemSpec, *, campaign: Campaign, district: Unit, topics: dict[str, ResearchTopic]) -> Problem:
    unit = _unit(district, spec.unit)
    category = campaign.shortcomings.filter(key=spec.category).first() if spec.category else None
    theme = campaign.themes.filter(key=spec.theme).first() if spec.theme else None
    if spec.opinion:
        # The office turns the inspection opinion into a problem (of the district, which held the
        # inspection), then names the responsible unit while the problem is still only found.
        opinion = Opinion.objects.get(
            activity__campaign=campaign, activity__kind="inspection", content__contains=spec.opinion
        )
        opinion_convert(opinion=opinion, to="problem", by=None)
        problem = Problem.objects.get(opinion=opinion)
        return services.problem_update(problem=problem, unit=unit, category=category, theme=theme, by=None)
    return services.problem_create(
        campaign=campaign,
        unit=unit,
        content=spec.content,
        source=spec.source,
        source_note=spec.source_note,
        category=category,
        theme=theme,
        dimension=campaign.dimensions.filter(key=spec.dimension).first() if spec.dimension else None,
        research_topic=topics.get(spec.topic),
        by=None,
    )


def _measures(problem: Problem, specs: tuple[MeasureSpec, ...], today: dt.date, cadre: Person | None) -> None:
    for spec in specs:
        services.measure_add(
            problem=problem,
            content=spec.content,
            starts_on=_date(today, spec.starts),
            deadline=_date(today, spec.deadline),
            owner=_owner(spec.owner, problem.unit, cadre),
            by=None,
        )


def _progress(problem: Problem, spec: ProblemSpec, today: dt.date, *, finish: bool) -> None:
    for measure, m in zip(problem.measures.order_by("order", "id"), spec.measures, strict=True):
        for i, (offset, percent, note) in enumerate(m.progress):
            # The report that finishes the work carries the photo the office verifies against.
            last = finish and percent == 100 and i == len(m.progress) - 1
            services.measure_progress(
                measure=measure,
                progress=percent,
                note=note,
                happened_on=_date(today, offset),
                files=[_photo("整改现场.jpg", (46, 110, 64))] if last else [],
                by=None,
            )


def _work(problem: Problem, spec: ProblemSpec, today: dt.date, cadre: Person | None) -> Problem:
    """Walk a filed problem on to the state ``spec`` asks for, as the liaison, the owners and the office would."""
    if spec.state == "dismissed":
        return services.problem_dismiss(problem=problem, reason=spec.note, by=None)
    if spec.state == "found" or not spec.measures:
        return problem
    finish = spec.state in ("done", "closed", "public", "reopened")
    _measures(problem, spec.measures, today, cadre)
    problem = services.problem_confirm(problem=problem, by=None)
    _progress(problem, spec, today, finish=finish)
    if spec.extension:
        problem.refresh_from_db()
        pending = spec.extension == "pending"
        extension = services.extension_request(
            problem=problem,
            new_deadline=(problem.deadline or today) + dt.timedelta(days=30),
            reason="施工受雨季影响，管网开挖需顺延，申请延期30天。"
            if pending
            else "第二批护理员招聘须经区人社局核准，申请延期30天。",
            by=None,
        )
        if not pending:
            services.extension_decide(extension=extension, approve=True, note="同意延期，请按新时限完成。", by=None)
    if finish:
        problem = services.problem_finish(problem=problem, result=spec.result, by=None)
    if spec.state in ("closed", "public", "reopened"):
        problem = services.problem_close(
            problem=problem, note="经现场核验，整改到位，同意销号。", publish=spec.state == "public", by=None
        )
    if spec.state == "reopened":
        problem = services.problem_reopen(problem=problem, reason=spec.note, by=None)
        _measures(problem, spec.later, today, cadre)
    return problem


def build_demo_problems(
    *, campaign: Campaign, district: Unit, topics: list[ResearchTopic], cadre: Person | None = None
) -> list[Problem]:
    """File and work the demo ledger (``cadre``, in 东兴社区, owns measures there) and the self-examinations.

    The problems of 区发展和改革局 are owned by its first leading cadre, the demo ``leader`` login.
    """
    today = timezone.localdate()
    by_title = {t.title: t for t in topics}
    problems: list[Problem] = []
    for spec in PROBLEMS:
        problem = _file(spec, campaign=campaign, district=district, topics=by_title)
        clarities: dict[str, Any] = {}
        if spec.owner:
            clarities["owner"] = _owner(spec.owner, problem.unit, cadre)
        if spec.standard:
            clarities["standard"] = spec.standard
        if spec.deadline is not None:
            clarities["deadline"] = _date(today, spec.deadline)
        if clarities:
            problem = services.problem_update(problem=problem, by=None, **clarities)
        problem = _work(problem, spec, today, cadre)
        problem.refresh_from_db()
        problems.append(problem)
    _self_examinations(campaign, district, today)
    return problems


def _self_examinations(campaign: Campaign, district: Unit, today: dt.date) -> None:
    for unit_name, rank, submit, items in SELF_EXAMINATIONS:
        unit = _unit(district, unit_name)
        leaders = list(Person.objects.filter(unit=unit, is_leading_cadre=True, is_active=True).order_by("id"))
        if rank >= len(leaders):
            continue
        self_examination_save(
            campaign=campaign,
            person=leaders[rank],
            items=[{"aspect": a, "gap": g, "measure": m, "deadline": _date(today, 60)} for a, g, m in items],
            submit=submit,
            by=None,
        )
