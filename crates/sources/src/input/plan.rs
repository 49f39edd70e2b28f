//! Planning: from the paths a user gives to the [`Source`]s to read.
//!
//! Directories are expanded recursively, in name order. Inside a directory,
//! files that are evidently not lists (READMEs, provenance notes, XML
//! schemata, hidden files) are skipped with a reason instead of failing the
//! whole directory; a file given by name is always detected, and fails if
//! it is no list. See ADR 0032.
//!
//! Files that belong together become one source: OFAC CSV tables are
//! grouped by the OFAC module, and the delta files an OpenSanctions delta
//! index lists (`<dir>/<version>/entities.delta.json`) are read through the
//! index, not on their own.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::detect::{inspect, xml_root};
use crate::input::Source;
use crate::{Error, Format, Result};

/// A file left out of a plan, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The file.
    pub path: PathBuf,
    /// Why it was left out, in words an operator understands.
    pub reason: String,
}

/// What [`survey`] found: the sources to read and the files left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Survey {
    /// The sources, in the order of their main files.
    pub sources: Vec<Source>,
    /// Files found in directories that are evidently not lists.
    pub skipped: Vec<Skipped>,
}

/// Groups files into sources: detects every file's format and attaches
/// companion files to their main file. Files skipped inside directories are
/// dropped silently; use [`survey`] to report them.
///
/// # Errors
/// As [`survey`].
pub fn plan(paths: &[PathBuf], dataset: Option<&str>) -> Result<Vec<Source>> {
    survey(paths, dataset).map(|survey| survey.sources)
}

/// Expands directories, detects every file's format, groups file sets and
/// names each source's dataset (`dataset`, else the format's default).
///
/// # Errors
/// A file cannot be read ([`Error::Io`]), is not text
/// ([`Error::Encoding`]) or is no format Vigia reads
/// ([`Error::UnknownFormat`], naming the file); a file set is inconsistent
/// ([`Error::FileSet`]).
pub fn survey(paths: &[PathBuf], dataset: Option<&str>) -> Result<Survey> {
    let mut skipped = Vec::new();
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            expand(path, &mut files, &mut skipped)?;
        } else {
            files.push((path.clone(), false));
        }
    }
    let mut seen = BTreeSet::new();
    // The same file named twice, or by two spellings, is read once.
    files.retain(|(path, _)| seen.insert(identity(path)));

    let mut detected: Vec<(PathBuf, Format)> = Vec::new();
    for (path, in_directory) in files {
        let inspection = inspect(&path)?;
        match inspection.format {
            Some(format) => detected.push((path, format)),
            None if in_directory && is_xml_schema(&inspection.head) => skipped.push(Skipped {
                path,
                reason: "an XML Schema: it describes a format and holds no records".into(),
            }),
            None => {
                return Err(Error::UnknownFormat {
                    file: path.display().to_string(),
                    reason: crate::detect::describe(&inspection.head),
                });
            }
        }
    }

    let covered = delta_files_covered(&detected)?;
    let mut groups: Vec<(Format, Vec<PathBuf>)> = Vec::new();
    let mut ofac_csv: Vec<(PathBuf, Format)> = Vec::new();
    for (path, format) in &detected {
        match format {
            Format::OfacSdnCsv
            | Format::OfacConsCsv
            | Format::OfacAddressCsv
            | Format::OfacAltCsv
            | Format::OfacCommentsCsv => ofac_csv.push((path.clone(), *format)),
            Format::FtmDelta
                if covered
                    .iter()
                    .any(|(_, files)| files.iter().any(|f| identity(f) == identity(path))) => {}
            Format::FtmDeltaIndex => {
                let mut files = vec![path.clone()];
                if let Some((_, deltas)) = covered.iter().find(|(index, _)| index == path) {
                    files.extend(deltas.iter().cloned());
                }
                groups.push((*format, files));
            }
            format => groups.push((*format, vec![path.clone()])),
        }
    }
    if !ofac_csv.is_empty() {
        for set in crate::ofac::group_csv_sets(&ofac_csv)? {
            let Some(main) = set.first() else { continue };
            let format = ofac_csv
                .iter()
                .find(|(path, _)| path == main)
                .map(|(_, format)| *format)
                .ok_or_else(|| {
                    Error::FileSet(format!("{}: not among the files given", main.display()))
                })?;
            groups.push((format, set));
        }
    }
    // Sources come in the order of their main files, as the user listed
    // them (directories expanded in name order).
    let order = |path: &PathBuf| detected.iter().position(|(p, _)| p == path).unwrap_or(usize::MAX);
    groups.sort_by_key(|(_, files)| files.first().map(order).unwrap_or(usize::MAX));

    let sources = groups
        .into_iter()
        .map(|(format, files)| Source {
            format,
            files,
            dataset: dataset.unwrap_or(format.default_dataset()).to_owned(),
        })
        .collect();
    Ok(Survey { sources, skipped })
}

/// Adds the files under a directory, recursively and in name order; skips
/// hidden entries, symbolic links to directories (no cycles), and files
/// that are evidently not lists.
fn expand(dir: &Path, files: &mut Vec<(PathBuf, bool)>, skipped: &mut Vec<Skipped>) -> Result<()> {
    let io_error = |source| Error::Io { file: dir.display().to_string(), source };
    let mut entries = std::fs::read_dir(dir)
        .map_err(io_error)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(io_error)?;
    entries.sort();
    for path in entries {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let link =
            std::fs::symlink_metadata(&path).map(|m| m.file_type().is_symlink()).unwrap_or(false);
        if path.is_dir() {
            if name.starts_with('.') || link {
                skipped.push(Skipped {
                    path,
                    reason: if link {
                        "a link to a directory (not followed)".into()
                    } else {
                        "a hidden directory".into()
                    },
                });
            } else {
                expand(&path, files, skipped)?;
            }
        } else if let Some(reason) = not_a_list(&name) {
            skipped.push(Skipped { path, reason: reason.into() });
        } else {
            files.push((path, true));
        }
    }
    Ok(())
}

/// A path as compared for sameness: canonical when it exists.
fn identity(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
}

/// Why a file found in a directory is evidently not a list, judged by its
/// name: documentation, schemata, checksums and hidden files.
pub(crate) fn not_a_list(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    let stem = lower.split('.').next().unwrap_or_default();
    let extension =
        lower.rsplit_once('.').map(|(_, e)| e).filter(|_| !stem.is_empty()).unwrap_or_default();
    if lower.starts_with('.') {
        return Some("a hidden file");
    }
    // A README.txt is documentation, but a dpl.txt is a list: only these
    // conventional names count, and only as plain text.
    if ["readme", "license", "licence", "changelog", "notice", "copying", "authors"].contains(&stem)
        && ["", "txt"].contains(&extension)
    {
        return Some("documentation, not a list");
    }
    match extension {
        "md" | "markdown" | "rst" | "pdf" | "html" | "htm" => Some("documentation, not a list"),
        "xsd" | "dtd" => Some("a schema: it describes a format and holds no records"),
        "sha256" | "sha1" | "md5" | "sig" | "asc" => Some("a checksum or signature file"),
        _ => None,
    }
}

/// Whether a decoded head is an XML Schema document.
fn is_xml_schema(head: &str) -> bool {
    xml_root(head).is_some_and(|root| root == "schema" || root.ends_with(":schema"))
}

/// For every delta index among the files, the delta files it lists that
/// exist beside it (`<dir>/<version>/entities.delta.json`).
fn delta_files_covered(detected: &[(PathBuf, Format)]) -> Result<Vec<(PathBuf, Vec<PathBuf>)>> {
    let mut covered = Vec::new();
    for (path, format) in detected {
        if *format != Format::FtmDeltaIndex {
            continue;
        }
        let index = crate::opensanctions::read_delta_index(path)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let files = index
            .versions
            .iter()
            .map(|(version, _)| crate::opensanctions::delta_file_path(dir, version))
            .filter(|file| file.is_file())
            .collect();
        covered.push((path.clone(), files));
    }
    Ok(covered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_list_names() {
        for name in ["README", "README.md", "SOURCES.md", "schema.xsd", "LICENSE.txt", ".DS_Store"]
        {
            assert!(not_a_list(name).is_some(), "{name}");
        }
        for name in ["dpl.txt", "sdn.csv", "entities.ftm.json", "consolidated.xml", "sources.csv"] {
            assert!(not_a_list(name).is_none(), "{name}");
        }
    }
}
