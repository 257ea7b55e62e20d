"""The columns each kind of import understands: the template header, the synonyms found in real ledgers."""

from linli.core.tabular import REASON_COLUMN, Column, ColumnSpec

__all__ = ["REASON_COLUMN", "Column", "ColumnSpec"]


def _spec(kind, title, columns, **kw) -> ColumnSpec:
    return ColumnSpec(kind=kind, title=title, columns={c.key: c for c in columns}, **kw)


ADDRESS_COLUMNS = [
    Column("compound", "小区", ("小区名称", "所在小区", "小区/院落", "院落", "小区(院落)", "院落名称"), "彩虹花园"),
    Column("building", "楼栋", ("楼栋号", "楼号", "栋", "栋号", "幢", "幢号", "楼幢", "楼栋名称"), "3"),
    Column("unit", "单元", ("单元号",), "2"),
    Column("room", "房号", ("房间号", "户室号", "室号", "房屋号", "门牌号", "室"), "501"),
    Column(
        "address",
        "住址",
        (
            "家庭住址",
            "现住址",
            "居住地址",
            "现居住地址",
            "地址",
            "详细地址",
            "实际居住地址",
            "居住地",
            "现居住地",
            "房屋地址",
        ),
        "",
        "可代替 小区/楼栋/单元/房号 四列，如“彩虹花园3栋2单元501室”或“3-2-501”",
    ),
]

GRID = Column("grid", "网格", ("所属网格", "网格名称", "所在网格"), "第一网格", "无住址时按网格登记")

PERSONS = _spec(
    "persons",
    "人员",
    [
        Column("name", "姓名", ("名字", "居民姓名", "人员姓名", "成员姓名"), "张三"),
        Column("id_type", "证件类型", ("证件种类",), "居民身份证"),
        Column(
            "id_number",
            "身份证号",
            (
                "身份证号码",
                "公民身份号码",
                "公民身份证号",
                "公民身份证号码",
                "身份证",
                "证件号码",
                "证件号",
                "居民身份证号",
                "居民身份证号码",
                "身份证件号码",
                "身份号码",
            ),
            "520402198005171232",
            "请把该列设为“文本”格式，否则 Excel 会丢失后三位",
        ),  # fmt: skip
        Column("sex", "性别", (), "男", "须与身份证号一致"),
        Column("birth_date", "出生日期", ("出生年月日", "生日", "出生年月"), "1980-05-17", "可不填，由身份证号推出"),
        Column(
            "phone",
            "联系电话",
            ("手机号", "手机号码", "电话", "电话号码", "联系方式", "手机", "移动电话", "联系手机"),
            "13812345678",
        ),
        Column("ethnicity", "民族", (), "汉族"),
        Column("hukou_address", "户籍地", ("户籍地址", "户籍所在地", "户口所在地", "户籍地详址"), "贵州省安顺市西秀区"),
        Column(
            "person_type",
            "人员类型",
            ("人口类型", "人员类别", "人口类别", "居住类型"),
            "户籍人口",
            "户籍人口/常住人口/流动人口/境外人员",
        ),
        Column("political_status", "政治面貌", (), "群众"),
        Column("relation", "与户主关系", ("户主关系", "与户主的关系", "家庭关系"), "户主"),
        Column(
            "householder_id",
            "户主身份证号",
            ("户主身份证号码", "户主证件号码", "户主公民身份号码"),
            "",
            "家庭成员填户主的身份证号",
        ),
        Column("household_number", "户号", ("户编号", "户籍户号"), ""),
        Column(
            "residency_kind",
            "人房关系",
            ("居住关系", "与房屋关系", "房屋关系", "居住性质"),
            "业主",
            "业主/租户/家属/其他",
        ),
        *ADDRESS_COLUMNS,
        GRID,
        Column("start", "入住日期", ("入住时间", "起始日期", "居住起始日期", "迁入日期"), "2020-01-01"),
        Column("tags", "标签", ("人员标签", "特殊人群", "重点人群", "人群标签"), "", "多个标签用逗号分隔，按标签名称"),
        Column("workplace", "工作单位", ("单位", "就业单位", "服务处所", "工作单位及职务"), ""),
        Column("notes", "备注", ("说明",), ""),
    ],
    required=("name", "id_number"),
    ignored={
        "序号",
        "编号",
        "户主姓名",
        "年龄",
        "籍贯",
        "文化程度",
        "学历",
        "婚姻状况",
        "宗教信仰",
        "兵役状况",
        "职业",
        "血型",
        "身高",
        "登记日期",
        "登记人",
    },  # fmt: skip
)

HOUSES = _spec(
    "houses",
    "房屋",
    [
        *ADDRESS_COLUMNS,
        Column("floor", "楼层", ("所在楼层", "层"), "5"),
        Column("area", "建筑面积", ("面积", "房屋面积", "建筑面积㎡", "建筑面积(平方米)"), "89.5"),
        Column("use", "房屋用途", ("用途", "房屋状态", "使用情况", "居住状态"), "自住", "自住/出租/空置/商用"),
        GRID,
        Column("household_unit", "十联户", ("联户单元", "十联户单元", "所属十联户"), ""),
    ],
    require_any=("room", "address"),
    ignored={"序号", "编号", "备注", "产权人", "户型"},
)

ENTITIES = _spec(
    "entities",
    "单位组织",
    [
        Column(
            "name", "名称", ("单位名称", "组织名称", "企业名称", "个体户名称", "字号", "商户名称"), "安顺市彩虹便民超市"
        ),
        Column(
            "kind",
            "类型",
            ("单位类型", "组织类型", "类别", "单位类别", "主体类型"),
            "个体工商户",
            "法人单位/个体工商户/社会组织",
        ),
        Column("credit_code", "统一社会信用代码", ("信用代码", "社会信用代码", "统一代码", "营业执照号"), ""),
        Column("legal_person", "法定代表人/负责人", ("法定代表人", "负责人", "法人", "经营者", "法人代表"), "李四"),
        Column("phone", "联系电话", ("电话", "手机号", "联系方式", "手机号码"), "13900000000"),
        Column("grid", "网格", ("所属网格", "网格名称", "所在网格"), "第一网格"),
        Column("address", "地址", ("经营地址", "住所", "注册地址", "详细地址", "单位地址"), "彩虹花园3栋底商"),
        Column("employees", "从业人数", ("员工人数", "从业人员数", "人数", "职工人数"), "3"),
        Column("lat", "纬度", ("lat",), ""),
        Column("lng", "经度", ("lng", "lon"), ""),
    ],
    required=("name", "grid"),
    ignored={"序号", "编号", "备注", "成立日期", "经营范围"},
)

PLACES = _spec(
    "places",
    "场所",
    [
        Column("name", "名称", ("场所名称", "店名", "门店名称"), "彩虹小吃店"),
        Column(
            "kind",
            "类型",
            ("场所类型", "场所类别", "类别"),
            "小餐饮",
            "小商店/小餐饮/小旅馆/小娱乐场所/小作坊/重点单位/学校/幼儿园/医疗机构/其他场所",
        ),
        Column("entity", "经营单位", ("经营主体", "所属单位", "单位"), "", "按单位名称或统一社会信用代码"),
        Column("contact_name", "负责人", ("联系人", "经营者", "场所负责人"), "王五"),
        Column("phone", "联系电话", ("电话", "手机号", "联系方式", "手机号码"), "13700000000"),
        Column("grid", "网格", ("所属网格", "网格名称", "所在网格"), "第一网格"),
        Column("address", "地址", ("场所地址", "经营地址", "详细地址"), "彩虹花园北门"),
        Column("fire_risk", "消防风险等级", ("风险等级", "消防等级", "消防风险"), "低", "低/中/高"),
        Column("lat", "纬度", ("lat",), ""),
        Column("lng", "经度", ("lng", "lon"), ""),
    ],
    required=("name", "grid"),
    ignored={"序号", "编号", "备注"},
)

SPECS = {spec.kind: spec for spec in (PERSONS, HOUSES, ENTITIES, PLACES)}
