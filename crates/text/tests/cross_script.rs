//! Cross-script recall: the labelled pairs of names in Arabic, Cyrillic,
//! Chinese, Korean, Japanese, Greek, Hebrew and Thai with the Latin name
//! they should match (`eval/watchman/cross_script_pairs.csv` in the shared
//! data). A pair is found when one Latin form of the query has the
//! expected name's tokens, in any order, each exactly or within one edit.
//! Prints a report; fails below the screening target of 90 %.

use vigia_text::{NameKind, Script, analyze, normalize, token};

/// Levenshtein distance, bounded use only (short tokens).
fn edits(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Whether the form's tokens cover the expected tokens one-to-one, each
/// within one edit, with nothing left over (order free).
fn covers(form: &[String], expected: &[String]) -> bool {
    if form.len() != expected.len() {
        return false;
    }
    let mut used = vec![false; form.len()];
    for e in expected {
        let Some(i) = (0..form.len()).find(|&i| !used[i] && edits(&form[i], e) <= 1) else {
            return false;
        };
        used[i] = true;
    }
    true
}

#[test]
fn cross_script_pairs() {
    let Some(path) = vigia_testdata::shared_data("eval/watchman/cross_script_pairs.csv") else {
        return;
    };
    let Ok(text) = std::fs::read_to_string(&path) else { return };
    let mut found = 0;
    let mut exact_count = 0;
    let mut total = 0;
    let mut report = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() < 2 || fields[0] == "Query" {
            continue;
        }
        let (query, expected) = (fields[0], fields[1]);
        let expected_tokens = token::tokenize(&normalize::fold(expected));
        let analyzed = analyze(query, NameKind::Person);
        let latin: Vec<&vigia_text::NameForm> =
            analyzed.forms.iter().filter(|f| f.script == Script::Latin).collect();
        let tokens_of = |f: &vigia_text::NameForm| {
            f.parts.iter().flat_map(|p| p.raw.split(' ').map(str::to_owned)).collect::<Vec<_>>()
        };
        let exact = latin.iter().find(|f| {
            let mut a = tokens_of(f);
            let mut b = expected_tokens.clone();
            a.sort();
            b.sort();
            a == b
        });
        if exact.is_some() {
            exact_count += 1;
        }
        let hit = exact.or_else(|| latin.iter().find(|f| covers(&tokens_of(f), &expected_tokens)));
        total += 1;
        match hit {
            Some(f) => {
                found += 1;
                report.push(format!("  found  {query} → {expected}: \"{}\"", f.text));
            }
            None => report.push(format!(
                "  MISSED {query} → {expected}: {:?}",
                latin.iter().map(|f| f.text.as_str()).collect::<Vec<_>>()
            )),
        }
    }
    println!(
        "cross-script pairs: {found}/{total} found ({exact_count} with exactly the expected tokens)"
    );
    for line in &report {
        println!("{line}");
    }
    assert!(total > 0, "no pairs read from {}", path.display());
    assert!(
        found * 10 >= total * 9,
        "{found}/{total} cross-script pairs found, below 90 %:\n{}",
        report.join("\n")
    );
}
