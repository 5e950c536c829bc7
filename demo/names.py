"""Chinese names and numbers for the demo, drawn from one ``Random``.

People (surnames frequent in Shandong), villages, firms and co-operatives, national
identity numbers and unified social credit codes with valid check characters, mobile
phone numbers. ``Names`` keeps what must be unique (identity numbers, credit codes,
village names) unique.
"""

from core.validators import national_id_check_char, uscc_check_char

# Frequent surnames in Shandong, the most frequent repeated.
SURNAMES = (
    "王王王王王王张张张张张李李李李刘刘刘刘陈陈陈杨杨赵赵孙孙徐徐马马高高朱朱"
    "胡郭何林周吴于董杜宋韩曹袁付丁魏薛沈许葛邢颜孔庞范石田程"
)
MALE_FIRST = "建国志卫海明德永立文玉成学宝传兆庆洪金振世春守连元士红"
MALE_SECOND = "国军华民强平林峰生明山东波亮伟刚勇忠福祥顺发田才利胜"
FEMALE_FIRST = "秀桂玉丽春淑凤红美晓海素爱"
FEMALE_SECOND = "英兰芳华珍梅霞荣云娟琴敏燕"
SINGLE_MALE = "伟强磊军勇杰涛斌超鹏刚辉胜顺山"
SINGLE_FEMALE = "敏静丽娟霞红燕芳"

VILLAGE_FEATURES = [
    "石桥", "柳沟", "沙岭", "枣园", "杏园", "桃园", "河湾", "槐树", "官路", "白沙",
    "青龙", "黄山", "孟园", "涝坡", "茶棚", "砚台岭", "马陵", "龙泉", "小岭", "盛庄",
    "前河", "后湖", "三里", "五里", "八里", "十里", "钦宿", "响河", "朱许", "王平",
]
VILLAGE_PLACES = ["庄", "屯", "营", "洼", "岭", "埠", "沟", "湖", "寨", "官庄", "店", "疃", "楼"]
DIRECTIONS = "前后东西南北大小上下"

ORG_BRANDS = [
    "鑫源", "宏达", "恒泰", "金盛", "顺发", "兴隆", "华强", "瑞丰", "鼎盛", "永安",
    "天润", "富民", "昌盛", "德润", "聚丰", "汇通", "利民", "荣华", "祥和", "沂蒙",
]
ORG_TRADES = [
    "建筑工程有限公司", "建材有限公司", "物流有限公司", "商贸有限公司", "置业有限公司",
    "机械制造有限公司", "劳务服务有限公司", "木业有限公司", "板材有限公司", "食品有限公司",
]
COOP_TRADES = ["蔬菜种植专业合作社", "生猪养殖专业合作社", "肉鸡养殖专业合作社", "果蔬专业合作社", "苗木专业合作社"]
ROADS = ["沂蒙路", "解放路", "通达路", "金雀山路", "北京路", "涑河街", "工业大道", "兰山路"]

# Linyi county codes; most debtors are local (兰山区).
ID_REGIONS = ["371302"] * 8 + ["371311", "371312", "371321", "371322", "371323", "371324", "371325", "371326", "371327", "371328", "371329"]
PHONE_PREFIXES = [
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
    "155", "156", "158", "159", "176", "177", "180", "181", "182", "185", "186", "187", "188", "189", "198", "199",
]
_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Where the firms and co-operatives are registered.
COUNTY = "临沂市兰山区"


class Names:
    """Chinese names and identity numbers from one ``Random``; unique where they must be."""

    def __init__(self, rng):
        self.rng = rng
        self.national_ids = set()
        self.credit_codes = set()
        self.village_bases = set()

    def person(self, male=True):
        rng = self.rng
        surname = rng.choice(SURNAMES)
        if rng.random() < 0.22:
            given = rng.choice(SINGLE_MALE if male else SINGLE_FEMALE)
        elif male:
            given = rng.choice(MALE_FIRST) + rng.choice(MALE_SECOND)
        else:
            given = rng.choice(FEMALE_FIRST) + rng.choice(FEMALE_SECOND)
        if len(given) == 2 and given[0] == given[1]:
            given = given[0]
        return surname + given

    def unique_person(self, used, male=True):
        while True:
            name = self.person(male)
            if name not in used:
                used.add(name)
                return name

    def village(self):
        rng = self.rng
        while True:
            pattern = rng.random()
            if pattern < 0.35:
                base = rng.choice(SURNAMES) + "家" + rng.choice(VILLAGE_PLACES)
            elif pattern < 0.55:
                base = rng.choice(DIRECTIONS) + rng.choice(SURNAMES) + rng.choice(VILLAGE_PLACES)
            elif pattern < 0.75:
                base = rng.choice(DIRECTIONS) + rng.choice(VILLAGE_FEATURES)
            elif pattern < 0.9:
                base = rng.choice(VILLAGE_FEATURES) + rng.choice(VILLAGE_PLACES)
            else:
                first, second, third = rng.sample(SURNAMES, 3)
                if len({first, second, third}) < 3:
                    continue
                base = first + "家" + second + third
            if base not in self.village_bases and not any(a == b for a, b in zip(base, base[1:])):
                self.village_bases.add(base)
                return base + ("社区" if rng.random() < 0.35 else "村")

    def national_id(self, male, born_on):
        rng = self.rng
        while True:
            gender = rng.choice("13579" if male else "02468")
            first17 = f"{rng.choice(ID_REGIONS)}{born_on:%Y%m%d}{rng.randrange(100):02d}{gender}"
            value = first17 + national_id_check_char(first17)
            if value not in self.national_ids:
                self.national_ids.add(value)
                return value

    def credit_code(self, coop):
        """Unified social credit code: 91 (company) or 93 (farmers' co-operative), a Linyi
        region code, a 9-character organisation code (GB 11714 check) and the check char."""
        rng = self.rng
        while True:
            body = "MA" + "".join(rng.choice(_CODE_CHARS) for _ in range(6))
            org = body + org_check_char(body)
            first17 = ("93" if coop else "91") + rng.choice(["371302", "371302", "371311", "371312"]) + org
            value = first17 + uscc_check_char(first17)
            if value not in self.credit_codes:
                self.credit_codes.add(value)
                return value

    def phone(self):
        return self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"


def org_check_char(body8):
    """The check character of a 9-character organisation code (GB 11714)."""
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body8, weights))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)
