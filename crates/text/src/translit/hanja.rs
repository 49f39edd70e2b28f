//! Sino-Korean readings of the Han characters used in Korean names.
//!
//! Written by the project from the standard Sino-Korean readings (South
//! Korean orthography: 李 is 이, 柳 is 유; the North Korean initial ㄹ is
//! restored by the surname table in `hangul.rs`). It covers the family-name
//! characters and the characters most used in given names, in traditional
//! form and, where it differs, in the simplified form Chinese media use
//! for Korean names (郑 for 鄭, 赵 for 趙). A name with a character outside
//! the table gets no Korean reading.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

/// Pairs of (Han character, Hangul syllable), written as one string of
/// alternating characters, grouped by reading for review.
const READINGS: &str = "\
金김李이朴박崔최鄭정郑정姜강趙조赵조尹윤張장张장林임韓한韩한吳오吴오徐서申신權권权권黃황黄황\
安안宋송柳유洪홍全전高고文문孫손孙손梁양裵배裴배白백曺조曹조許허许허南남沈심盧노卢노丁정河하郭곽\
成성車차车차朱주禹우具구辛신任임羅나罗나田전閔민闵민兪유俞유陳진陈진池지嚴엄严엄蔡채元원千천方방孔공\
康강玄현咸함卞변楊양杨양廉염邊변边변呂여吕여秋추魯노鲁노都도蘇소苏소愼신慎신石석宣선薛설馬마马마吉길\
周주延연房방魏위表표明명奇기潘반王왕琴금玉옥陸육陆육印인孟맹諸제诸제卓탁秦진龍용龙용劉유刘유\
正정恩은日일哲철浩호民민秀수英영永영俊준賢현贤현鉉현铉현炫현珍진眞진真진鎭진镇진志지智지知지\
敏민旻민珉민玟민宇우祐우佑우雨우載재载재在재材재宰재炳병秉병柄병東동东동勳훈勋훈熏훈薰훈相상尙상尚상\
祥상翔상上상基기起기箕기鍾종钟종宗종鐘종種종种종仲중重중中중洙수壽수寿수守수樹수树수修수學학学학\
善선仙선先선燮섭植식碩석硕석錫석锡석奭석鎬호镐호昊호虎호豪호好호淳순順순顺순純순纯순承승勝승胜승\
昇승乘승時시时시始시詩시诗시信신新신晟성誠성诚성聖성圣성星성盛성性성世세昭소素소松송泰태太태台태\
亨형炯형馨형衡형熙희喜희姬희希희禧희煥환焕환桓환花화和화華화华화化화允윤潤윤润윤胤윤銀은银은殷은\
根근槿근斗두來래来래烈렬容용勇용鎔용庸용用용友우雲운云운元원源원媛원園원园원遠원远원月월\
維유维유裕유惟유有유柔유義의义의宜의儀의仪의一일仁인寅인子자慈자長장长장章장璋장哉재才재貞정贞정\
廷정晶정定정庭정靜정静정淨정亭정政정朝조祚조照조峻준埈준駿준骏준準준准준濬준之지芝지枝지振진辰진\
進진进진昌창彰창暢창采채彩채喆철徹철彻철澈철春춘忠충治치致치七칠宅택澤택泽택夏하漢한汉한翰한\
海해幸행香향憲헌宪헌赫혁革혁峴현弦현惠혜慧혜湖호弘홍鴻홍鸿홍環환环환孝효曉효晓효厚후後후后후\
輝휘辉휘徽휘興흥兴흥貴귀贵귀奎규圭규珪규均균國국国국謙겸谦겸京경慶경庆경敬경景경卿경炅경庚경\
桂계啓계启계光광廣광广광求구九구久구球구群군君군軍군军군男남乃내年년寧녕宁녕多다丹단達달达달潭담\
大대德덕道도度도棟동栋동得득蘭란兰란良량亮량麗려丽려連련连련蓮련莲련玲령禮례礼례祿록禄록倫륜伦륜\
律률利리理리里리立립萬만万만滿만满만梅매勉면命명鳴명鸣명模모武무茂무美미微미博박範범范범法법\
寶보宝보普보輔보辅보甫보福복本본奉봉鳳봉凤봉富부芬분彬빈斌빈賓빈宾빈士사思사史사山산三삼森삼\
瑞서舒서書서书서夕석雪설城성小소韶소淑숙肅숙肃숙舜순崇숭湜식伸신實실实실心심深심雅아娥아岳악\
顔안颜안愛애爱애野야若약陽양阳양洋양揚양扬양彦언業업业업如여汝여姸연妍연然연淵연渊연燕연演연\
悅열悦열炎염葉엽叶엽榮영荣영泳영映영瑛영暎영藝예艺예睿예叡예五오溫온温온完완旺왕堯요尧요曜요耀요\
旭욱昱욱郁욱煜욱運운运운雄웅原원苑원偉위伟위閏윤闰윤栗율乙을音음應응应응伊이翊익益익作작潔결洁결\
赤적典전殿전節절节절點점点점佐좌株주柱주珠주卽즉即즉增증地지直직集집澄징燦찬灿찬讚찬赞찬贊찬\
處처处처天천泉천鐵철铁철淸청清청靑청青청草초超초出출翠취則칙则칙親친亲친平평豊풍丰풍弼필必필\
鶴학鹤학恒항行행玄현皓호澔호紅홍红홍會회会회欽흠钦흠僖희羲희哲철虎호鉉현晩만晚만日일月월星성\
恵혜蕙혜惠혜桓환熹희炅경宙주柱주胄주奭석澈철旼민暻경昶창晧호昀윤晙준晋진晉진炅경\
";

/// The readings, indexed once.
fn readings() -> &'static FxHashMap<char, char> {
    static MAP: OnceLock<FxHashMap<char, char>> = OnceLock::new();
    MAP.get_or_init(|| {
        let chars: Vec<char> =
            READINGS.chars().filter(|c| !c.is_whitespace() && *c != '\\').collect();
        let mut map = FxHashMap::default();
        for pair in chars.chunks_exact(2) {
            map.entry(pair[0]).or_insert(pair[1]);
        }
        map
    })
}

/// The Sino-Korean reading of a Han name, syllable by syllable, if every
/// character has one.
pub(super) fn korean_reading(han: &str) -> Option<String> {
    let map = readings();
    han.chars().map(|c| map.get(&c).copied()).collect()
}

#[cfg(test)]
mod tests {
    use super::{READINGS, korean_reading};

    #[test]
    fn table_is_pairs_of_han_and_hangul() {
        let chars: Vec<char> =
            READINGS.chars().filter(|c| !c.is_whitespace() && *c != '\\').collect();
        assert_eq!(chars.len() % 2, 0);
        for pair in chars.chunks_exact(2) {
            assert!(matches!(pair[0] as u32, 0x4E00..=0x9FFF), "{pair:?}");
            assert!(matches!(pair[1] as u32, 0xAC00..=0xD7A3), "{pair:?}");
        }
    }

    #[test]
    fn readings() {
        assert_eq!(korean_reading("金正恩").as_deref(), Some("김정은"));
        assert_eq!(korean_reading("朴槿惠").as_deref(), Some("박근혜"));
        assert_eq!(korean_reading("文在寅").as_deref(), Some("문재인"));
        assert_eq!(korean_reading("金日成").as_deref(), Some("김일성"));
        assert_eq!(korean_reading("习近平"), None);
    }
}
