//! OpenSanctions formats: FollowTheMoney JSON lines, delta feeds, Senzing JSON.
//!
//! - [`parse_ftm`]: `entities.ftm.json`, one FollowTheMoney entity per line.
//!   Vigia's [`Entity`] is FollowTheMoney's JSON, so a line is read as it
//!   is; adjacent entities (addresses, sanctions, ownerships) are kept.
//! - [`parse_delta`]: `entities.delta.json`, one `{"op", "entity"}` per
//!   line: `ADD` and `MOD` upsert ([`Sink::entity`]), `DEL` removes
//!   ([`Sink::delete`]).
//! - [`parse_delta_index`]: `delta.json`, the index of delta versions; the
//!   delta files are read from beside it, oldest version first.
//! - [`parse_senzing`]: Senzing JSON lines (OpenSanctions' `senzing.json`).
//!
//! Datasets: an entity keeps the `datasets` it carries (OpenSanctions'
//! source datasets, which say where a listing comes from); an entity that
//! carries none is tagged with the import dataset.

use std::io::{self, BufRead};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use vigia_model::{Diagnostic, Entity, Location, Severity};

use crate::{Error, Format, Header, Parsed, Result, Sink};

mod senzing;

pub use senzing::parse as parse_senzing;

/// A JSON line longer than this is not read: it is skipped with an error
/// diagnostic. OpenSanctions' largest entities are a few MiB; the bound
/// keeps a broken file (no line breaks) from filling memory.
pub(crate) const MAX_LINE_BYTES: usize = 64 * 1024 * 1024;

/// Which OpenSanctions format the start of a decoded JSON file is.
pub(crate) fn sniff(head: &str) -> Option<Format> {
    let head = head.trim_start();
    let first_line = head.lines().next().unwrap_or_default();
    // A complete first line tells by its keys.
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(first_line) {
        return format_of_keys(|key| map.contains_key(key));
    }
    // The delta index is pretty-printed over several lines.
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(head) {
        return format_of_keys(|key| map.contains_key(key));
    }
    // A first line longer than the head: look for the keys' spelling in its
    // start (FollowTheMoney writers put `id` and `schema` first; the delta
    // writer puts `op` first).
    let mut end = first_line.len().min(4096);
    while !first_line.is_char_boundary(end) {
        end -= 1;
    }
    let start = &first_line[..end];
    let at = |key: &str| start.find(&format!("\"{key}\""));
    if at("op").is_some_and(|op| at("entity").is_some_and(|entity| op < entity)) {
        return Some(Format::FtmDelta);
    }
    format_of_keys(|key| at(key).is_some())
}

fn format_of_keys(has: impl Fn(&str) -> bool) -> Option<Format> {
    if has("op") && has("entity") {
        Some(Format::FtmDelta)
    } else if has("RECORD_ID") || has("DATA_SOURCE") {
        Some(Format::SenzingJson)
    } else if has("schema") && has("id") {
        Some(Format::FtmJson)
    } else if has("versions") {
        Some(Format::FtmDeltaIndex)
    } else {
        None
    }
}

/// Reads FollowTheMoney JSON lines (`entities.ftm.json`).
///
/// Every line is one entity. A line that is not a FollowTheMoney entity is
/// dropped with an error diagnostic naming the line. `Parsed::records`
/// counts the listed parties (entities of a matchable schema) plus the
/// dropped lines.
///
/// # Errors
/// Reading the input failed ([`Error::Io`]).
pub fn parse_ftm<R: BufRead>(
    input: R,
    file: &str,
    dataset: &str,
    sink: &mut dyn Sink,
) -> Result<Parsed> {
    let mut records = 0;
    for_each_line(input, file, sink, |line, number, sink| match read_entity(line) {
        Ok(entity) => {
            if entity.schema.is_matchable() {
                records += 1;
            }
            emit(entity, dataset, sink);
        }
        Err(message) => {
            records += 1;
            sink.diagnostic(error(file, number, format!("not a FollowTheMoney entity: {message}")));
        }
    })?;
    Ok(Parsed { header: Header::default(), records })
}

/// One line of a delta file.
#[derive(Deserialize)]
struct DeltaLine {
    op: String,
    entity: serde_json::Value,
}

/// Reads OpenSanctions delta lines (`entities.delta.json`): `ADD` and `MOD`
/// upsert the entity, `DEL` removes the entity with that id.
///
/// `Parsed::records` counts the listed parties added or modified plus the
/// dropped lines; deletions are not records.
///
/// # Errors
/// Reading the input failed ([`Error::Io`]).
pub fn parse_delta<R: BufRead>(
    input: R,
    file: &str,
    dataset: &str,
    sink: &mut dyn Sink,
) -> Result<Parsed> {
    let mut records = 0;
    for_each_line(input, file, sink, |line, number, sink| {
        let delta: DeltaLine = match serde_json::from_slice(line) {
            Ok(delta) => delta,
            Err(err) => {
                records += 1;
                sink.diagnostic(error(
                    file,
                    number,
                    format!("not a delta line ({{\"op\", \"entity\"}}): {}", json_error(&err)),
                ));
                return;
            }
        };
        match delta.op.as_str() {
            "ADD" | "MOD" => match serde_json::from_value::<Entity>(delta.entity)
                .map_err(|e| json_error(&e))
                .and_then(checked)
            {
                Ok(entity) => {
                    if entity.schema.is_matchable() {
                        records += 1;
                    }
                    emit(entity, dataset, sink);
                }
                Err(message) => {
                    records += 1;
                    sink.diagnostic(error(
                        file,
                        number,
                        format!("{} of an invalid entity: {message}", delta.op),
                    ));
                }
            },
            "DEL" => {
                match delta.entity.get("id").and_then(|id| id.as_str()).filter(|id| !id.is_empty())
                {
                    Some(id) => sink.delete(id),
                    None => {
                        records += 1;
                        sink.diagnostic(error(file, number, "DEL without an entity id".into()));
                    }
                }
            }
            other => {
                records += 1;
                sink.diagnostic(error(
                    file,
                    number,
                    format!("unknown delta operation {other:?} (ADD, MOD, DEL)"),
                ));
            }
        }
    })?;
    Ok(Parsed { header: Header::default(), records })
}

/// An OpenSanctions delta index (`delta.json`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DeltaIndex {
    /// Versions and the URLs of their delta files, oldest first.
    pub(crate) versions: Vec<(String, String)>,
    /// When the index was last updated (ISO timestamp).
    pub(crate) updated_at: Option<String>,
}

#[derive(Deserialize)]
struct RawIndex {
    versions: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    updated_at: Option<String>,
}

/// Parses a delta index. Versions are OpenSanctions timestamps
/// (`20240527194702-wnk`), so their text order is their time order.
fn parse_index(text: &[u8], file: &str) -> Result<DeltaIndex> {
    let raw: RawIndex = serde_json::from_slice(text).map_err(|err| Error::Malformed {
        file: file.to_owned(),
        location: Location::Line(err.line() as u64),
        message: format!("not an OpenSanctions delta index ({{\"versions\": {{...}}}}): {err}"),
    })?;
    Ok(DeltaIndex { versions: raw.versions.into_iter().collect(), updated_at: raw.updated_at })
}

/// The largest delta index read. Real ones list a few hundred versions in
/// a few KiB.
const MAX_INDEX_BYTES: u64 = 16 * 1024 * 1024;

/// Reads and parses the delta index at `path`.
pub(crate) fn read_delta_index(path: &Path) -> Result<DeltaIndex> {
    let name = path.display().to_string();
    let text = crate::input::TextFile::open(path)?;
    let mut bytes = Vec::new();
    io::Read::read_to_end(&mut io::Read::take(text.reader, MAX_INDEX_BYTES), &mut bytes)
        .map_err(|source| Error::Io { file: name.clone(), source })?;
    parse_index(&bytes, &name)
}

/// Where the delta file of a version lies, beside its index: the layout of
/// OpenSanctions' artifacts (`<version>/entities.delta.json`).
pub(crate) fn delta_file_path(dir: &Path, version: &str) -> PathBuf {
    dir.join(version).join("entities.delta.json")
}

/// Reads a delta index (`delta.json`) and applies the delta files it lists,
/// oldest version first, from beside it: `<dir>/<version>/entities.delta.json`.
///
/// This is the one parser that opens files itself: an index is a list of
/// other files, and which of them exist is only known by looking. A listed
/// version whose file is missing is a warning diagnostic, not a failure;
/// the versions found are applied.
///
/// # Errors
/// The index cannot be read or is not a delta index; a delta file exists but
/// cannot be read.
pub fn parse_delta_index(index: &Path, dataset: &str, sink: &mut dyn Sink) -> Result<Parsed> {
    let dir = index.parent().unwrap_or(Path::new(".")).to_owned();
    let text = crate::input::TextFile::open(index)?;
    text.run(sink, |reader, file, sink| {
        let mut open = |version: &str, sink: &mut dyn Sink| -> Option<Result<Parsed>> {
            let path = delta_file_path(&dir, version);
            if !path.is_file() {
                return None;
            }
            Some(crate::input::TextFile::open(&path).and_then(|delta| {
                delta.run(sink, |reader, file, sink| parse_delta(reader, file, dataset, sink))
            }))
        };
        parse_delta_index_with(reader, file, dataset, &mut open, sink)
    })
}

/// A way to read the delta file of a version: `None` when it is missing.
pub(crate) type DeltaOpener<'a> = dyn FnMut(&str, &mut dyn Sink) -> Option<Result<Parsed>> + 'a;

/// Reads a delta index from `input` and applies each version through
/// `open`, oldest first.
pub(crate) fn parse_delta_index_with<R: BufRead>(
    mut input: R,
    file: &str,
    dataset: &str,
    open: &mut DeltaOpener<'_>,
    sink: &mut dyn Sink,
) -> Result<Parsed> {
    let _ = dataset;
    let mut bytes = Vec::new();
    io::Read::read_to_end(&mut io::Read::take(&mut input, MAX_INDEX_BYTES), &mut bytes)
        .map_err(|source| Error::Io { file: file.to_owned(), source })?;
    let index = parse_index(&bytes, file)?;
    let mut parsed = Parsed {
        header: Header {
            published: index.updated_at.as_deref().and_then(|t| t.get(..10)).map(str::to_owned),
            stated_count: None,
        },
        records: 0,
    };
    if index.versions.is_empty() {
        sink.diagnostic(diagnostic(
            file,
            Location::File,
            Severity::Warning,
            "the index lists no versions".into(),
        ));
    }
    for (version, url) in &index.versions {
        match open(version, sink) {
            Some(result) => parsed.records += result?.records,
            None => sink.diagnostic(diagnostic(
                file,
                Location::File,
                Severity::Warning,
                format!(
                    "version {version}: delta file not found beside the index \
                     (expected {version}/entities.delta.json; published at {url}); \
                     its changes are not applied"
                ),
            )),
        }
    }
    Ok(parsed)
}

/// Parses one FollowTheMoney entity and checks what serde cannot.
fn read_entity(line: &[u8]) -> std::result::Result<Entity, String> {
    serde_json::from_slice::<Entity>(line).map_err(|e| json_error(&e)).and_then(checked)
}

/// A JSON error about one line, placed by column: the line is already
/// named by the diagnostic, so serde's "at line 1" would only confuse.
pub(crate) fn json_error(err: &serde_json::Error) -> String {
    let text = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    match text.strip_suffix(&suffix) {
        Some(message) if err.column() > 0 => format!("{message} (column {})", err.column()),
        Some(message) => message.to_owned(),
        None => text,
    }
}

/// Rejects an entity without an id; drops empty values.
fn checked(mut entity: Entity) -> std::result::Result<Entity, String> {
    if entity.id.trim().is_empty() {
        return Err("the entity has no id".into());
    }
    for values in entity.properties.values_mut() {
        values.retain(|v| !v.trim().is_empty());
    }
    entity.properties.retain(|_, values| !values.is_empty());
    Ok(entity)
}

/// Emits an entity, tagged with the import dataset when it names none.
fn emit(mut entity: Entity, dataset: &str, sink: &mut dyn Sink) {
    if entity.datasets.is_empty() {
        entity.add_dataset(dataset);
    }
    sink.entity(entity);
}

pub(crate) fn diagnostic(
    file: &str,
    location: Location,
    severity: Severity,
    message: String,
) -> Diagnostic {
    Diagnostic { file: file.to_owned(), location, severity, message }
}

fn error(file: &str, line: u64, message: String) -> Diagnostic {
    diagnostic(file, Location::Line(line), Severity::Error, message)
}

/// Calls `each` with every non-blank line (without its line break) and its
/// 1-based number. A line longer than [`MAX_LINE_BYTES`] is skipped with an
/// error diagnostic without being held in memory.
pub(crate) fn for_each_line<R: BufRead>(
    mut input: R,
    file: &str,
    sink: &mut dyn Sink,
    mut each: impl FnMut(&[u8], u64, &mut dyn Sink),
) -> Result<()> {
    let mut line = Vec::new();
    let mut number = 0u64;
    loop {
        line.clear();
        let mut too_long = false;
        let mut read_any = false;
        loop {
            let chunk = match input.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => return Err(Error::Io { file: file.to_owned(), source }),
            };
            if chunk.is_empty() {
                break;
            }
            read_any = true;
            let (part, done) = match chunk.iter().position(|b| *b == b'\n') {
                Some(at) => (&chunk[..at], at + 1),
                None => (chunk, chunk.len()),
            };
            let ends_line = done > part.len();
            if !too_long {
                if line.len() + part.len() > MAX_LINE_BYTES {
                    too_long = true;
                    line.clear();
                } else {
                    line.extend_from_slice(part);
                }
            }
            input.consume(done);
            if ends_line {
                break;
            }
        }
        if !read_any {
            return Ok(());
        }
        number += 1;
        if too_long {
            sink.diagnostic(error(
                file,
                number,
                format!("line longer than {MAX_LINE_BYTES} bytes: skipped"),
            ));
            continue;
        }
        let text = line.trim_ascii();
        if !text.is_empty() {
            each(text, number, sink);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Collect;

    #[test]
    fn sniffing() {
        let check =
            |head: &str, expected: Option<Format>| assert_eq!(sniff(head), expected, "{head}");
        check(r#"{"id":"x","schema":"Person","properties":{}}"#, Some(Format::FtmJson));
        check(r#"{"op":"ADD","entity":{"id":"x","schema":"Person"}}"#, Some(Format::FtmDelta));
        check(
            "{\"versions\": \n {\"1\": \"u\"},\n \"updated_at\": \"2024\"}",
            Some(Format::FtmDeltaIndex),
        );
        check(r#"{"DATA_SOURCE":"X","RECORD_ID":"1"}"#, Some(Format::SenzingJson));
        check(r#"{"id":"x","schema":"Person","properties":{"name":["A"#, Some(Format::FtmJson));
        check(r#"{"op":"MOD","entity":{"id":"x","schema":"Pers"#, Some(Format::FtmDelta));
        check(r#"{"a":1}"#, None);
        // A long first line cut by the head, with characters of several
        // bytes around the point where it is looked at.
        let long = format!(
            "{{\"id\":\"x\",\"schema\":\"Person\",\"properties\":{{\"name\":[\"{}",
            "é".repeat(3000)
        );
        check(&long, Some(Format::FtmJson));
    }

    #[test]
    fn lines_are_numbered_and_bounded() {
        let mut sink = Collect::default();
        let mut seen = Vec::new();
        for_each_line(&b"a\r\n\n  b  \nc"[..], "f", &mut sink, |line, n, _| {
            seen.push((String::from_utf8_lossy(line).into_owned(), n));
        })
        .unwrap();
        assert_eq!(seen, [("a".into(), 1), ("b".into(), 3), ("c".into(), 4)]);
    }
}
