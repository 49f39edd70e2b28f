//! Telling OFAC files apart by content, and grouping CSV tables into sets.
//!
//! The SDN main table (`sdn.csv`) and the Consolidated one (`cons_prim.csv`)
//! share one layout; what differs is why their records are listed. Every
//! record of the Consolidated list is there under a non-SDN programme or
//! measure (the Palestinian Legislative Council list, sectoral sanctions
//! directives, the Chinese military-industrial companies list, menu-based
//! sanctions, foreign sanctions evaders), while SDN records carry such
//! markers only rarely (6 of 8,976 in the 2021 file). A main table whose
//! opening rows are mostly non-SDN is the Consolidated list (ADR 0011).

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use super::csv_set::{TableKind, row_kind};
use super::table::{Line, Row, Rows, split_fields};
use crate::{Error, Format, Result};

pub(super) fn sniff_csv(head: &str) -> Option<Format> {
    let head = head.strip_prefix('\u{feff}').unwrap_or(head);
    // The last line of a head may be cut: drop it unless it is the only one.
    let mut lines: Vec<&str> = head
        .split('\n')
        .map(|l| l.trim_end_matches(['\r', '\u{1a}']))
        .filter(|l| !l.trim().is_empty())
        .collect();
    if !head.ends_with('\n') && lines.len() > 1 {
        lines.pop();
    }
    let rows: Vec<Row> = lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let (fields, unbalanced) = split_fields(line);
            Row { line: i as u64 + 1, fields, unbalanced }
        })
        .collect();
    let first = rows.first()?;
    let kind = row_kind(first)?;
    let same = rows.iter().filter(|r| row_kind(r) == Some(kind)).count();
    // A stray odd row is tolerated; a table of another shape is not.
    if same * 5 < rows.len() * 4 {
        return None;
    }
    Some(match kind {
        TableKind::Main => {
            let non_sdn = rows
                .iter()
                .filter(|r| row_kind(r) == Some(TableKind::Main) && is_non_sdn(r))
                .count();
            if non_sdn * 2 > same { Format::OfacConsCsv } else { Format::OfacSdnCsv }
        }
        TableKind::Addresses => Format::OfacAddressCsv,
        TableKind::Aliases => Format::OfacAltCsv,
        TableKind::Comments => Format::OfacCommentsCsv,
    })
}

/// Whether a main-table row is listed under a non-SDN programme or measure.
fn is_non_sdn(row: &Row) -> bool {
    let programs = super::programs(row.get(3));
    let program_marker = programs.iter().any(|p| {
        matches!(p.as_str(), "NS-PLC" | "561-Related" | "CAPTA" | "NS-ISA" | "NS-MBS" | "SSI")
            || p.starts_with("FSE")
            || p.starts_with("CMIC")
    });
    let remarks = row.get(11);
    program_marker
        || ["Subject to Directive", "Directive Determination", "Menu-Based", "(CMIC)", "Non-SDN"]
            .iter()
            .any(|marker| remarks.contains(marker))
}

pub(super) fn sniff_xml(head: &str) -> Option<Format> {
    let root = root_element(head)?;
    let local = root.rsplit(':').next().unwrap_or(root);
    match local {
        "sdnList" => Some(Format::OfacSdnXml),
        "Sanctions"
            if [
                "ReferenceValueSets",
                "DateOfIssue",
                "DistinctParties",
                "sanctions/1.0",
                "ADVANCED_XML",
            ]
            .iter()
            .any(|marker| head.contains(marker)) =>
        {
            Some(Format::OfacAdvancedXml)
        }
        _ => None,
    }
}

/// The name of the first element of an XML text, after the declaration,
/// comments and doctype.
fn root_element(head: &str) -> Option<&str> {
    let mut rest = head.strip_prefix('\u{feff}').unwrap_or(head);
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("<?") {
            rest = &after[after.find("?>")? + 2..];
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = &after[after.find("-->")? + 3..];
        } else if let Some(after) = rest.strip_prefix("<!") {
            rest = &after[after.find('>')? + 1..];
        } else if let Some(after) = rest.strip_prefix('<') {
            let end = after.find(|c: char| c.is_whitespace() || c == '>' || c == '/')?;
            return Some(&after[..end]).filter(|name| !name.is_empty());
        } else {
            return None;
        }
    }
}

/// The entry numbers a table references (its first column).
fn entry_numbers(path: &PathBuf) -> Result<HashSet<String>> {
    let file = File::open(path)
        .map_err(|source| Error::Io { file: path.display().to_string(), source })?;
    let mut rows = Rows::new(BufReader::new(file));
    let mut numbers = HashSet::new();
    while let Some(line) =
        rows.next_line().map_err(|source| Error::Io { file: path.display().to_string(), source })?
    {
        if let Line::Row(row) = line
            && let Some(number) = row.number()
        {
            numbers.insert(number.to_owned());
        }
    }
    Ok(numbers)
}

pub(super) fn group_csv_sets(files: &[(PathBuf, Format)]) -> Result<Vec<Vec<PathBuf>>> {
    let mut mains: Vec<(&PathBuf, HashSet<String>)> = Vec::new();
    let mut companions: Vec<(&PathBuf, Format)> = Vec::new();
    for (path, format) in files {
        match format {
            Format::OfacSdnCsv | Format::OfacConsCsv => mains.push((path, entry_numbers(path)?)),
            Format::OfacAddressCsv | Format::OfacAltCsv | Format::OfacCommentsCsv => {
                companions.push((path, *format))
            }
            other => {
                return Err(Error::FileSet(format!(
                    "{}: a {other} file is not an OFAC CSV table",
                    path.display()
                )));
            }
        }
    }
    // Per main table, its companions by kind.
    let mut attached: Vec<HashMap<Format, &PathBuf>> = vec![HashMap::new(); mains.len()];
    for (path, format) in companions {
        let numbers = entry_numbers(path)?;
        let scores: Vec<usize> = mains
            .iter()
            .map(|(_, main)| numbers.iter().filter(|n| main.contains(*n)).count())
            .collect();
        let best = scores.iter().copied().max().unwrap_or(0);
        let owner = if numbers.is_empty() && mains.len() == 1 {
            // An empty companion goes with the only main table there is.
            0
        } else if best == 0 {
            let reason = if numbers.is_empty() {
                "it is empty and there are several main tables"
            } else {
                "none of the entries it references is in a main table given"
            };
            return Err(Error::FileSet(format!(
                "{}: OFAC {} without its main table ({reason}); give sdn.csv or cons_prim.csv with it",
                path.display(),
                kind_noun(format)
            )));
        } else {
            let winners: Vec<usize> = (0..mains.len()).filter(|i| scores[*i] == best).collect();
            if winners.len() > 1 {
                return Err(Error::FileSet(format!(
                    "{}: its entries are as much in {} as in {}; import the two sets separately",
                    path.display(),
                    mains[winners[0]].0.display(),
                    mains[winners[1]].0.display()
                )));
            }
            winners[0]
        };
        if let Some(previous) = attached[owner].insert(format, path) {
            return Err(Error::FileSet(format!(
                "{} and {} are both the {} of {}",
                previous.display(),
                path.display(),
                kind_noun(format),
                mains[owner].0.display()
            )));
        }
    }
    Ok(mains
        .iter()
        .zip(attached)
        .map(|((main, _), mut companions)| {
            let mut set = vec![(*main).clone()];
            for format in [Format::OfacAddressCsv, Format::OfacAltCsv, Format::OfacCommentsCsv] {
                if let Some(path) = companions.remove(&format) {
                    set.push(path.clone());
                }
            }
            set
        })
        .collect())
}

fn kind_noun(format: Format) -> &'static str {
    match format {
        Format::OfacAddressCsv => "address table",
        Format::OfacAltCsv => "alias table",
        _ => "comments table",
    }
}
