//! Japanese names → Latin.
//!
//! Kana is romanised by rule (`kana.rs`). Kanji names cannot be: the same
//! characters read differently in names, so a table of the most common
//! family names and given names gives their readings, and a name is split
//! into a known family name followed by a known given name (or kana).
//! Written by the project from general knowledge of Japanese names; the
//! readings are the usual ones in Hepburn with long vowels marked (ō, ū),
//! from which the passport spelling (Sato), the kana-faithful spelling
//! (Satou) and the "oh" spelling (Satoh) are derived.
//!
//! Names the table does not cover fall back to the Chinese reading, which
//! the caller adds (ADR 0073).

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use super::kana;

/// Family names: kanji → Hepburn with long vowels marked.
const FAMILY: &[(&str, &str)] = &[
    ("佐藤", "satō"),
    ("鈴木", "suzuki"),
    ("高橋", "takahashi"),
    ("田中", "tanaka"),
    ("伊藤", "itō"),
    ("渡辺", "watanabe"),
    ("渡邊", "watanabe"),
    ("渡邉", "watanabe"),
    ("渡部", "watanabe"),
    ("山本", "yamamoto"),
    ("中村", "nakamura"),
    ("小林", "kobayashi"),
    ("加藤", "katō"),
    ("吉田", "yoshida"),
    ("山田", "yamada"),
    ("佐々木", "sasaki"),
    ("山口", "yamaguchi"),
    ("松本", "matsumoto"),
    ("井上", "inoue"),
    ("木村", "kimura"),
    ("林", "hayashi"),
    ("斎藤", "saitō"),
    ("斉藤", "saitō"),
    ("齋藤", "saitō"),
    ("清水", "shimizu"),
    ("山崎", "yamazaki"),
    ("森", "mori"),
    ("池田", "ikeda"),
    ("橋本", "hashimoto"),
    ("阿部", "abe"),
    ("安倍", "abe"),
    ("石川", "ishikawa"),
    ("山下", "yamashita"),
    ("中島", "nakajima"),
    ("石井", "ishii"),
    ("小川", "ogawa"),
    ("前田", "maeda"),
    ("岡田", "okada"),
    ("長谷川", "hasegawa"),
    ("藤田", "fujita"),
    ("後藤", "gotō"),
    ("近藤", "kondō"),
    ("村上", "murakami"),
    ("遠藤", "endō"),
    ("青木", "aoki"),
    ("坂本", "sakamoto"),
    ("福田", "fukuda"),
    ("太田", "ōta"),
    ("西村", "nishimura"),
    ("藤井", "fujii"),
    ("金子", "kaneko"),
    ("岡本", "okamoto"),
    ("藤原", "fujiwara"),
    ("中野", "nakano"),
    ("三浦", "miura"),
    ("原田", "harada"),
    ("中川", "nakagawa"),
    ("松田", "matsuda"),
    ("竹内", "takeuchi"),
    ("小野", "ono"),
    ("田村", "tamura"),
    ("中山", "nakayama"),
    ("和田", "wada"),
    ("石田", "ishida"),
    ("森田", "morita"),
    ("上田", "ueda"),
    ("原", "hara"),
    ("内田", "uchida"),
    ("柴田", "shibata"),
    ("酒井", "sakai"),
    ("宮崎", "miyazaki"),
    ("横山", "yokoyama"),
    ("高木", "takagi"),
    ("安藤", "andō"),
    ("宮本", "miyamoto"),
    ("大野", "ōno"),
    ("小島", "kojima"),
    ("谷口", "taniguchi"),
    ("今井", "imai"),
    ("工藤", "kudō"),
    ("高田", "takada"),
    ("増田", "masuda"),
    ("丸山", "maruyama"),
    ("杉山", "sugiyama"),
    ("村田", "murata"),
    ("大塚", "ōtsuka"),
    ("新井", "arai"),
    ("小山", "koyama"),
    ("平野", "hirano"),
    ("藤本", "fujimoto"),
    ("河野", "kōno"),
    ("上野", "ueno"),
    ("野口", "noguchi"),
    ("武田", "takeda"),
    ("松井", "matsui"),
    ("千葉", "chiba"),
    ("岩崎", "iwasaki"),
    ("菅原", "sugawara"),
    ("木下", "kinoshita"),
    ("久保", "kubo"),
    ("佐野", "sano"),
    ("野村", "nomura"),
    ("松尾", "matsuo"),
    ("市川", "ichikawa"),
    ("菊地", "kikuchi"),
    ("菊池", "kikuchi"),
    ("杉本", "sugimoto"),
    ("古川", "furukawa"),
    ("大西", "ōnishi"),
    ("島田", "shimada"),
    ("水野", "mizuno"),
    ("桜井", "sakurai"),
    ("高野", "takano"),
    ("吉川", "yoshikawa"),
    ("山内", "yamauchi"),
    ("西田", "nishida"),
    ("飯田", "iida"),
    ("菅野", "sugano"),
    ("西川", "nishikawa"),
    ("小松", "komatsu"),
    ("北村", "kitamura"),
    ("安田", "yasuda"),
    ("五十嵐", "igarashi"),
    ("川口", "kawaguchi"),
    ("平田", "hirata"),
    ("関", "seki"),
    ("中田", "nakata"),
    ("久保田", "kubota"),
    ("服部", "hattori"),
    ("東", "higashi"),
    ("岩田", "iwata"),
    ("土屋", "tsuchiya"),
    ("川崎", "kawasaki"),
    ("福島", "fukushima"),
    ("本田", "honda"),
    ("辻", "tsuji"),
    ("樋口", "higuchi"),
    ("秋山", "akiyama"),
    ("田口", "taguchi"),
    ("永井", "nagai"),
    ("山中", "yamanaka"),
    ("中西", "nakanishi"),
    ("吉村", "yoshimura"),
    ("川上", "kawakami"),
    ("石原", "ishihara"),
    ("大橋", "ōhashi"),
    ("松岡", "matsuoka"),
    ("馬場", "baba"),
    ("浜田", "hamada"),
    ("森本", "morimoto"),
    ("星野", "hoshino"),
    ("矢野", "yano"),
    ("浅野", "asano"),
    ("大久保", "ōkubo"),
    ("松下", "matsushita"),
    ("小池", "koike"),
    ("野田", "noda"),
    ("菅", "suga"),
    ("岸田", "kishida"),
    ("鳩山", "hatoyama"),
    ("麻生", "asō"),
    ("小泉", "koizumi"),
    ("細川", "hosokawa"),
    ("宮沢", "miyazawa"),
    ("竹下", "takeshita"),
    ("中曽根", "nakasone"),
    ("麻原", "asahara"),
    ("上祐", "jōyū"),
    ("村井", "murai"),
    ("早川", "hayakawa"),
    ("新実", "niimi"),
    ("土谷", "tsuchiya"),
    ("豊田", "toyoda"),
    ("重信", "shigenobu"),
    ("奥平", "okudaira"),
    ("丸岡", "maruoka"),
    ("坂東", "bandō"),
    ("日高", "hidaka"),
    ("黒田", "kuroda"),
    ("金田", "kaneda"),
    ("小西", "konishi"),
    ("大谷", "ōtani"),
    ("宇野", "uno"),
    ("荒木", "araki"),
    ("望月", "mochizuki"),
    ("片山", "katayama"),
    ("堀", "hori"),
    ("本間", "honma"),
    ("川村", "kawamura"),
    ("永田", "nagata"),
    ("須藤", "sudō"),
    ("内藤", "naitō"),
    ("小田", "oda"),
    ("織田", "oda"),
    ("徳川", "tokugawa"),
    ("豊臣", "toyotomi"),
    ("坂井", "sakai"),
    ("西山", "nishiyama"),
    ("南", "minami"),
    ("北", "kita"),
    ("松村", "matsumura"),
    ("大森", "ōmori"),
    ("岡崎", "okazaki"),
    ("堤", "tsutsumi"),
    ("宮田", "miyata"),
    ("中谷", "nakatani"),
    ("野崎", "nozaki"),
    ("大川", "ōkawa"),
    ("小野寺", "onodera"),
    ("田辺", "tanabe"),
    ("渡", "watari"),
    ("宮下", "miyashita"),
    ("石橋", "ishibashi"),
    ("岩本", "iwamoto"),
    ("松永", "matsunaga"),
];

/// Given names: kanji (or kana) → Hepburn with long vowels marked.
const GIVEN: &[(&str, &str)] = &[
    ("太郎", "tarō"),
    ("一郎", "ichirō"),
    ("次郎", "jirō"),
    ("二郎", "jirō"),
    ("三郎", "saburō"),
    ("四郎", "shirō"),
    ("健", "ken"),
    ("健一", "kenichi"),
    ("健太", "kenta"),
    ("翔太", "shōta"),
    ("大輔", "daisuke"),
    ("拓也", "takuya"),
    ("直樹", "naoki"),
    ("和也", "kazuya"),
    ("達也", "tatsuya"),
    ("哲也", "tetsuya"),
    ("浩", "hiroshi"),
    ("博", "hiroshi"),
    ("弘", "hiroshi"),
    ("隆", "takashi"),
    ("崇", "takashi"),
    ("孝", "takashi"),
    ("誠", "makoto"),
    ("明", "akira"),
    ("晃", "akira"),
    ("昭", "akira"),
    ("章", "akira"),
    ("彰", "akira"),
    ("修", "osamu"),
    ("勇", "isamu"),
    ("茂", "shigeru"),
    ("進", "susumu"),
    ("実", "minoru"),
    ("稔", "minoru"),
    ("清", "kiyoshi"),
    ("豊", "yutaka"),
    ("裕", "yutaka"),
    ("正", "tadashi"),
    ("学", "manabu"),
    ("聡", "satoshi"),
    ("智", "satoshi"),
    ("智史", "satoshi"),
    ("剛", "tsuyoshi"),
    ("武", "takeshi"),
    ("毅", "takeshi"),
    ("猛", "takeshi"),
    ("翔", "shō"),
    ("蓮", "ren"),
    ("陽翔", "haruto"),
    ("悠真", "yūma"),
    ("湊", "minato"),
    ("大翔", "hiroto"),
    ("颯", "hayate"),
    ("晋三", "shinzō"),
    ("純一郎", "junichirō"),
    ("信夫", "nobuo"),
    ("義偉", "yoshihide"),
    ("文雄", "fumio"),
    ("由紀夫", "yukio"),
    ("太一", "taichi"),
    ("康夫", "yasuo"),
    ("和夫", "kazuo"),
    ("正男", "masao"),
    ("正雄", "masao"),
    ("秀樹", "hideki"),
    ("英樹", "hideki"),
    ("雅彦", "masahiko"),
    ("俊介", "shunsuke"),
    ("亮", "ryō"),
    ("涼", "ryō"),
    ("龍", "ryū"),
    ("竜", "ryū"),
    ("勝", "masaru"),
    ("優", "yū"),
    ("一", "hajime"),
    ("智也", "tomoya"),
    ("雄一", "yūichi"),
    ("裕太", "yūta"),
    ("光", "hikaru"),
    ("真一", "shinichi"),
    ("慎太郎", "shintarō"),
    ("光太郎", "kōtarō"),
    ("健二", "kenji"),
    ("賢治", "kenji"),
    ("健司", "kenji"),
    ("英二", "eiji"),
    ("誠一", "seiichi"),
    ("正人", "masato"),
    ("隆之", "takayuki"),
    ("浩二", "kōji"),
    ("敏夫", "toshio"),
    ("秀夫", "hideo"),
    ("幸雄", "yukio"),
    ("義男", "yoshio"),
    ("昭夫", "akio"),
    ("勝也", "katsuya"),
    ("克也", "katsuya"),
    ("正義", "masayoshi"),
    ("智和", "tomokazu"),
    ("健吾", "kengo"),
    ("弘之", "hiroyuki"),
    ("博之", "hiroyuki"),
    ("浩之", "hiroyuki"),
    ("和彦", "kazuhiko"),
    ("徹", "tōru"),
    ("亨", "tōru"),
    ("透", "tōru"),
    ("大介", "daisuke"),
    ("圭", "kei"),
    ("慶", "kei"),
    ("純", "jun"),
    ("潤", "jun"),
    ("淳", "jun"),
    ("俊", "shun"),
    ("隼人", "hayato"),
    ("勇人", "hayato"),
    ("海斗", "kaito"),
    ("陸", "riku"),
    ("樹", "itsuki"),
    ("大樹", "daiki"),
    ("蒼", "sō"),
    ("悠人", "yūto"),
    ("朝陽", "asahi"),
    ("智彦", "tomohiko"),
    ("義弘", "yoshihiro"),
    ("洋平", "yōhei"),
    ("耕平", "kōhei"),
    ("恭平", "kyōhei"),
    ("周平", "shūhei"),
    ("雄介", "yūsuke"),
    ("祐介", "yūsuke"),
    ("圭介", "keisuke"),
    ("啓介", "keisuke"),
    ("信也", "shinya"),
    ("伸也", "shinya"),
    ("慎也", "shinya"),
    ("英明", "hideaki"),
    ("秀明", "hideaki"),
    ("昌弘", "masahiro"),
    ("正弘", "masahiro"),
    ("雅之", "masayuki"),
    ("正之", "masayuki"),
    ("敦", "atsushi"),
    ("篤", "atsushi"),
    ("卓也", "takuya"),
    ("匠", "takumi"),
    ("巧", "takumi"),
    ("拓海", "takumi"),
    ("一成", "kazunari"),
    ("和成", "kazunari"),
    ("健太郎", "kentarō"),
    ("一樹", "kazuki"),
    ("和樹", "kazuki"),
    ("秀人", "hideto"),
    ("仁", "jin"),
    ("力", "chikara"),
    ("智津夫", "chizuo"),
    ("彰晃", "shōkō"),
    ("智子", "tomoko"),
    ("恵子", "keiko"),
    ("花子", "hanako"),
    ("幸子", "sachiko"),
    ("洋子", "yōko"),
    ("陽子", "yōko"),
    ("京子", "kyōko"),
    ("恭子", "kyōko"),
    ("和子", "kazuko"),
    ("裕子", "yūko"),
    ("優子", "yūko"),
    ("久美子", "kumiko"),
    ("由美子", "yumiko"),
    ("真由美", "mayumi"),
    ("直美", "naomi"),
    ("美香", "mika"),
    ("美穂", "miho"),
    ("愛", "ai"),
    ("恵", "megumi"),
    ("明美", "akemi"),
    ("美咲", "misaki"),
    ("陽菜", "hina"),
    ("結衣", "yui"),
    ("葵", "aoi"),
    ("凛", "rin"),
    ("桜", "sakura"),
    ("さくら", "sakura"),
    ("優花", "yūka"),
    ("彩", "aya"),
    ("綾", "aya"),
    ("千尋", "chihiro"),
    ("菜々子", "nanako"),
    ("麻衣", "mai"),
    ("舞", "mai"),
    ("瞳", "hitomi"),
    ("香織", "kaori"),
    ("沙織", "saori"),
    ("紀子", "noriko"),
    ("典子", "noriko"),
    ("雅子", "masako"),
    ("正子", "masako"),
    ("美智子", "michiko"),
    ("道子", "michiko"),
    ("百合子", "yuriko"),
    ("房子", "fusako"),
    ("節子", "setsuko"),
    ("文子", "fumiko"),
    ("信子", "nobuko"),
    ("康子", "yasuko"),
    ("良子", "yoshiko"),
    ("芳子", "yoshiko"),
    ("佳子", "yoshiko"),
    ("春子", "haruko"),
    ("秋子", "akiko"),
    ("明子", "akiko"),
    ("晶子", "akiko"),
    ("真理子", "mariko"),
    ("理恵", "rie"),
    ("絵美", "emi"),
    ("智恵", "chie"),
    ("千代", "chiyo"),
    ("清子", "kiyoko"),
    ("聡子", "satoko"),
    ("麻美", "asami"),
    ("由香", "yuka"),
    ("由佳", "yuka"),
    ("千晴", "chiharu"),
    ("真央", "mao"),
    ("亜美", "ami"),
    ("奈美", "nami"),
    ("奈々", "nana"),
    ("桃子", "momoko"),
    ("詩織", "shiori"),
    ("加奈子", "kanako"),
    ("里美", "satomi"),
    ("美紀", "miki"),
    ("美樹", "miki"),
    ("真紀", "maki"),
    ("早苗", "sanae"),
    ("英子", "eiko"),
    ("栄子", "eiko"),
    ("順子", "junko"),
    ("純子", "junko"),
    ("淳子", "junko"),
    ("悦子", "etsuko"),
    ("久子", "hisako"),
    ("静香", "shizuka"),
    ("敏子", "toshiko"),
    ("朋子", "tomoko"),
    ("友子", "tomoko"),
    ("涼子", "ryōko"),
    ("大", "dai"),
];

struct Tables {
    family: FxHashMap<&'static str, &'static str>,
    given: FxHashMap<&'static str, &'static str>,
    longest_family: usize,
}

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| Tables {
        family: FAMILY.iter().copied().collect(),
        given: GIVEN.iter().copied().collect(),
        longest_family: FAMILY.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(1),
    })
}

/// The three spellings of a Hepburn reading with marked long vowels:
/// passport (ō → o), kana-faithful (ō → ou), and "oh" (ō → oh).
fn spellings(marked: &str) -> [String; 3] {
    [
        marked.replace('ō', "o").replace('ū', "u"),
        marked.replace('ō', "ou").replace('ū', "uu"),
        marked.replace('ō', "oh").replace('ū', "u"),
    ]
}

/// Reads the given-name part: the table, else kana by rule. Returns a
/// reading with long vowels marked where known.
fn given_reading(given: &str) -> Option<String> {
    if given.is_empty() {
        return Some(String::new());
    }
    if let Some(r) = tables().given.get(given) {
        return Some((*r).to_owned());
    }
    if given.chars().all(|c| matches!(c as u32, 0x3040..=0x30FF)) {
        return Some(mark_long_vowels(&kana::romanise(given)));
    }
    None
}

/// Marks the long vowels of a kana romanisation ("tarou" → "tarō").
fn mark_long_vowels(s: &str) -> String {
    s.replace("ou", "ō").replace("oo", "ō").replace("uu", "ū")
}

/// The Latin renderings of a kanji name split into a known family name and
/// a known given name (or kana); empty when no split is found.
pub(super) fn kanji_name(words: &[&str]) -> Vec<String> {
    let t = tables();
    let joined: String = words.concat();
    let chars: Vec<char> = joined.chars().collect();
    let mut splits: Vec<usize> = Vec::new();
    if words.len() > 1 {
        splits.push(words[0].chars().count());
    }
    for len in (1..=t.longest_family.min(chars.len())).rev() {
        if !splits.contains(&len) {
            splits.push(len);
        }
    }
    for len in splits {
        let family: String = chars[..len].iter().collect();
        let given: String = chars[len..].iter().collect();
        let Some(f) = t.family.get(family.as_str()) else { continue };
        let Some(g) = given_reading(&given) else { continue };
        let (fs, gs) = (spellings(f), spellings(&g));
        return (0..3).map(|i| format!("{} {}", fs[i], gs[i]).trim().to_owned()).collect();
    }
    Vec::new()
}

/// The Latin renderings of a Japanese name (kana, or kanji and kana).
pub(super) fn name_variants(words: &[&str]) -> Vec<String> {
    let mut out = kanji_name(words);
    if out.is_empty() {
        // Kana words by rule; kanji words by their Chinese reading.
        let mut faithful = Vec::new();
        for w in words {
            let mut s = String::new();
            let mut kana_run = String::new();
            for c in w.chars() {
                if matches!(c as u32, 0x3040..=0x30FF) {
                    kana_run.push(c);
                } else {
                    if !kana_run.is_empty() {
                        s.push_str(&kana::romanise(&kana_run));
                        s.push(' ');
                        kana_run.clear();
                    }
                    s.push_str(&deunicode::deunicode(&c.to_string()).to_lowercase());
                }
            }
            if !kana_run.is_empty() {
                s.push_str(&kana::romanise(&kana_run));
            }
            faithful.push(s.trim().to_owned());
        }
        let faithful = faithful.join(" ");
        out.push(kana::simplify_long_vowels(&faithful));
        out.push(faithful);
    }
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::{FAMILY, GIVEN, kanji_name, name_variants};

    #[test]
    fn tables_have_no_duplicate_keys_with_other_readings() {
        for table in [FAMILY, GIVEN] {
            let mut seen = std::collections::HashMap::new();
            for (k, v) in table {
                if let Some(prev) = seen.insert(*k, *v) {
                    assert_eq!(prev, *v, "{k} has two readings");
                }
            }
        }
    }

    #[test]
    fn names() {
        assert_eq!(kanji_name(&["山田太郎"])[0], "yamada taro");
        assert_eq!(kanji_name(&["山田太郎"])[1], "yamada tarou");
        assert_eq!(kanji_name(&["佐藤", "健"])[2], "satoh ken");
        assert_eq!(name_variants(&["やまだ", "たろう"])[0], "yamada taro");
        assert!(kanji_name(&["习近平"]).is_empty());
    }
}
