//! Reading files: decoding to UTF-8, grouping file sets, dispatching to the
//! right parser.
//!
//! - [`plan`] / [`survey`] turn paths (files or directories) into
//!   [`Source`]s: one per list, with companion files attached.
//! - [`read`] / [`read_with`] open a source's files, decode them
//!   ([`decode`]), run the format's parser and count what passes through.
//! - [`parse_bytes`] does the same for one in-memory file (fuzz targets).

use std::borrow::Cow;
use std::fs::File;
use std::io::{Chain, Cursor, Read};
use std::path::{Path, PathBuf};

use vigia_model::{Diagnostic, Entity};

use crate::generic::Mapping;
use crate::{Collect, Error, Format, Parsed, Result, Sink, Summary};

pub(crate) mod decode;
mod plan;

pub use plan::{Skipped, Survey, plan, survey};

use decode::{Charset, DecodeReader, HEAD_LEN, sniff_charset};

/// One list to read: a format, its files (the main file first) and the
/// dataset its entities go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The detected format of the main file.
    pub format: Format,
    /// The main file first, then companion files (OFAC CSV sets; the delta
    /// files an OpenSanctions delta index covers, listed for the record).
    pub files: Vec<PathBuf>,
    /// The dataset name the entities are imported under.
    pub dataset: String,
}

impl Source {
    /// A source of one file in a format the caller knows (for example from
    /// `--format generic-csv`), under the format's default dataset unless
    /// one is given.
    pub fn new(format: Format, file: impl Into<PathBuf>, dataset: Option<&str>) -> Source {
        Source {
            format,
            files: vec![file.into()],
            dataset: dataset.unwrap_or(format.default_dataset()).to_owned(),
        }
    }
}

/// Options for [`read_with`] that formats need beyond the file itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// The column mapping of a [`Format::GenericCsv`] file; `None` maps
    /// well-known header names (see [`Mapping::default`]).
    pub mapping: Option<Mapping>,
}

/// Reads a source into a sink, with default [`ReadOptions`].
///
/// # Errors
/// The input as a whole is unreadable; see [`crate::Error`].
pub fn read(source: &Source, sink: &mut dyn Sink) -> Result<Summary> {
    read_with(source, &ReadOptions::default(), sink)
}

/// Reads a source into a sink: opens and decodes its files, runs the
/// format's parser, and counts the entities and diagnostics that pass.
///
/// # Errors
/// The input as a whole is unreadable; see [`crate::Error`].
pub fn read_with(source: &Source, options: &ReadOptions, sink: &mut dyn Sink) -> Result<Summary> {
    let mut counting = Counting { inner: sink, entities: 0, diagnostics: 0 };
    let parsed = dispatch_files(source, options, &mut counting)?;
    Ok(Summary {
        format: source.format,
        dataset: source.dataset.clone(),
        header: parsed.header,
        records: parsed.records,
        entities: counting.entities,
        diagnostics: counting.diagnostics,
    })
}

/// Reads a source into memory.
///
/// # Errors
/// As [`read`].
pub fn read_all(source: &Source) -> Result<(Collect, Summary)> {
    let mut sink = Collect::default();
    let summary = read(source, &mut sink)?;
    Ok((sink, summary))
}

/// Decodes bytes to text: UTF-8 (with or without BOM), UTF-16 with a BOM,
/// or the encoding an XML declaration names; text that is none of these but
/// has few control bytes is read as windows-1252 (see ADR 0031).
///
/// # Errors
/// The bytes are not text in an encoding Vigia can tell.
pub fn decode_text<'a>(file: &str, bytes: &'a [u8]) -> Result<Cow<'a, str>> {
    decode::decode_bytes(file, bytes).map(|decoded| decoded.text)
}

/// Parses one in-memory file of a known format (for a set format, the main
/// table alone; for a delta index, the index alone: its delta files cannot
/// be found from memory and are reported missing). This is what the fuzz
/// targets call.
///
/// # Errors
/// The input as a whole is unreadable; see [`crate::Error`].
pub fn parse_bytes(
    format: Format,
    file: &str,
    bytes: &[u8],
    sink: &mut dyn Sink,
) -> Result<Parsed> {
    let decoded = decode::decode_bytes(file, bytes)?;
    if let Some(notice) = decoded.before {
        sink.diagnostic(notice);
    }
    let parsed =
        dispatch_one(format, decoded.text.as_bytes(), file, format.default_dataset(), None, sink);
    if let Some(notice) = decoded.after {
        sink.diagnostic(notice);
    }
    parsed
}

/// Runs the parser of a one-file format over decoded text.
fn dispatch_one<R: std::io::BufRead>(
    format: Format,
    input: R,
    file: &str,
    dataset: &str,
    mapping: Option<&Mapping>,
    sink: &mut dyn Sink,
) -> Result<Parsed> {
    use crate::{canada, csl, dpl, eu, generic, ofac, opensanctions, uk, un};
    match format {
        Format::UnXml => un::parse(input, file, dataset, sink),
        Format::EuFsfXml => eu::parse(input, file, dataset, sink),
        Format::UkSanctionsXml => uk::parse_sanctions_xml(input, file, dataset, sink),
        Format::UkConListCsv => uk::parse_conlist_csv(input, file, dataset, sink),
        Format::CanadaSemaXml => canada::parse(input, file, dataset, sink),
        Format::TradeGovCsl => csl::parse(input, file, dataset, sink),
        Format::BisDpl => dpl::parse(input, file, dataset, sink),
        Format::FtmJson => opensanctions::parse_ftm(input, file, dataset, sink),
        Format::FtmDelta => opensanctions::parse_delta(input, file, dataset, sink),
        Format::FtmDeltaIndex => {
            opensanctions::parse_delta_index_with(input, file, dataset, &mut |_, _| None, sink)
        }
        Format::SenzingJson => opensanctions::parse_senzing(input, file, dataset, sink),
        Format::GenericCsv => generic::parse(input, file, dataset, mapping, sink),
        Format::OfacSdnCsv | Format::OfacConsCsv => ofac::parse_csv_set(
            ofac::CsvSet {
                main: ofac::NamedInput { file: file.to_owned(), reader: input },
                addresses: None,
                aliases: None,
                comments: None,
            },
            dataset,
            sink,
        ),
        Format::OfacSdnXml => ofac::parse_sdn_xml(input, file, dataset, sink),
        Format::OfacAdvancedXml => ofac::parse_advanced_xml(input, file, dataset, sink),
        Format::OfacAddressCsv | Format::OfacAltCsv | Format::OfacCommentsCsv => {
            Err(Error::FileSet(format!(
                "{file}: an OFAC {format} companion table is read with its main table \
                 (sdn.csv or cons_prim.csv), not alone"
            )))
        }
    }
}

/// Opens, decodes and parses a source's files.
fn dispatch_files(source: &Source, options: &ReadOptions, sink: &mut dyn Sink) -> Result<Parsed> {
    let Some(main) = source.files.first() else {
        return Err(Error::FileSet(format!("a {} source with no files", source.format)));
    };
    let dataset = source.dataset.as_str();
    match source.format {
        Format::FtmDeltaIndex => crate::opensanctions::parse_delta_index(main, dataset, sink),
        Format::OfacSdnCsv | Format::OfacConsCsv if source.files.len() > 1 => {
            read_ofac_csv_set(source, sink)
        }
        format => {
            let text = TextFile::open(main)?;
            text.run(sink, |reader, file, sink| {
                dispatch_one(format, reader, file, dataset, options.mapping.as_ref(), sink)
            })
        }
    }
}

/// Reads an OFAC CSV set: the main table plus the companions `plan` found,
/// each recognised again by content (a set may lack any companion).
fn read_ofac_csv_set(source: &Source, sink: &mut dyn Sink) -> Result<Parsed> {
    use crate::ofac::{CsvSet, NamedInput};
    let mut opened = Vec::with_capacity(source.files.len());
    for path in &source.files {
        opened.push(TextFile::open(path)?);
    }
    let mut files = opened.into_iter();
    let Some(main) = files.next() else {
        return Err(Error::FileSet(format!("a {} source with no files", source.format)));
    };
    let mut set = CsvSet {
        main: NamedInput { file: main.name.clone(), reader: main.reader },
        addresses: None,
        aliases: None,
        comments: None,
    };
    let mut notices = Vec::new();
    let mut reports = Vec::new();
    notices.extend(main.charset.notice(&main.name));
    reports.push((set.main.file.clone(), main.charset, set.main.reader.report()));
    for (companion, path) in files.zip(&source.files[1..]) {
        let role = match crate::detect::detect_file(path)? {
            Format::OfacAddressCsv => &mut set.addresses,
            Format::OfacAltCsv => &mut set.aliases,
            Format::OfacCommentsCsv => &mut set.comments,
            other => {
                return Err(Error::FileSet(format!(
                    "{}: a {other} file cannot be a companion of the OFAC table {}",
                    companion.name, set.main.file
                )));
            }
        };
        if role.is_some() {
            return Err(Error::FileSet(format!(
                "{}: two companion tables of the same kind for {}",
                companion.name, set.main.file
            )));
        }
        notices.extend(companion.charset.notice(&companion.name));
        reports.push((companion.name.clone(), companion.charset, companion.reader.report()));
        *role = Some(NamedInput { file: companion.name, reader: companion.reader });
    }
    for notice in notices {
        sink.diagnostic(notice);
    }
    let parsed = crate::ofac::parse_csv_set(set, &source.dataset, sink);
    for (name, charset, report) in reports {
        if let Some(notice) = report.borrow().notice(&name, charset.encoding()) {
            sink.diagnostic(notice);
        }
    }
    parsed
}

/// The byte stream of an opened file: its head (already read to detect the
/// encoding) followed by the rest.
pub(crate) type FileBytes = Chain<Cursor<Vec<u8>>, File>;

/// An opened, decoded text file.
pub(crate) struct TextFile {
    /// The file name as diagnostics show it.
    pub(crate) name: String,
    /// The encoding the head told.
    pub(crate) charset: Charset,
    /// The decoded text.
    pub(crate) reader: DecodeReader<FileBytes>,
}

impl TextFile {
    /// Opens a file and decides its encoding from its head.
    pub(crate) fn open(path: &Path) -> Result<TextFile> {
        let name = path.display().to_string();
        let io_error = |source| Error::Io { file: name.clone(), source };
        let mut file = File::open(path).map_err(io_error)?;
        let head = read_head(&mut file).map_err(io_error)?;
        let complete = head.len() < HEAD_LEN;
        let charset = sniff_charset(&name, &head, complete)?;
        let mut cursor = Cursor::new(head);
        cursor.set_position(charset.skip() as u64);
        let reader =
            DecodeReader::new(cursor.chain(file), charset.encoding(), charset.skip() as u64);
        Ok(TextFile { name, charset, reader })
    }

    /// Runs a parser over the decoded text, reporting the encoding notices
    /// (a guessed encoding before, replaced sequences after).
    pub(crate) fn run<T>(
        self,
        sink: &mut dyn Sink,
        parse: impl FnOnce(XmlRelabel<DecodeReader<FileBytes>>, &str, &mut dyn Sink) -> Result<T>,
    ) -> Result<T> {
        let TextFile { name, charset, reader } = self;
        if let Some(notice) = charset.notice(&name) {
            sink.diagnostic(notice);
        }
        let report = reader.report();
        let relabel = matches!(charset, Charset::Declared(_));
        let out = parse(XmlRelabel::new(reader, relabel), &name, sink);
        if let Some(notice) = report.borrow().notice(&name, charset.encoding()) {
            sink.diagnostic(notice);
        }
        out
    }
}

/// Reads up to [`HEAD_LEN`] bytes.
pub(crate) fn read_head(file: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(HEAD_LEN);
    file.take(HEAD_LEN as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// A decoded stream whose leading XML declaration, when the file declared a
/// non-UTF-8 encoding, is rewritten to say UTF-8 (the text is UTF-8 now).
pub(crate) struct XmlRelabel<R> {
    inner: R,
    /// The rewritten start of the stream, served before `inner`.
    prefix: Option<Cursor<Vec<u8>>>,
    relabel: bool,
}

impl<R: std::io::BufRead> XmlRelabel<R> {
    fn new(inner: R, relabel: bool) -> XmlRelabel<R> {
        XmlRelabel { inner, prefix: None, relabel }
    }

    /// On first use, reads the first decoded chunk and rewrites its
    /// declaration.
    fn prepare(&mut self) -> std::io::Result<()> {
        if !self.relabel {
            return Ok(());
        }
        self.relabel = false;
        let chunk = self.inner.fill_buf()?;
        let n = chunk.len();
        // The decoder yields whole characters, so the chunk is valid UTF-8.
        let mut text = String::from_utf8_lossy(chunk).into_owned();
        self.inner.consume(n);
        decode::relabel_xml_declaration(&mut text);
        self.prefix = Some(Cursor::new(text.into_bytes()));
        Ok(())
    }
}

impl<R: std::io::BufRead> Read for XmlRelabel<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use std::io::BufRead;
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: std::io::BufRead> std::io::BufRead for XmlRelabel<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.prepare()?;
        if self.prefix.as_ref().is_some_and(|p| p.position() as usize >= p.get_ref().len()) {
            self.prefix = None;
        }
        if let Some(prefix) = self.prefix.as_mut() {
            return prefix.fill_buf();
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        match &mut self.prefix {
            Some(prefix) => prefix.consume(amount),
            None => self.inner.consume(amount),
        }
    }
}

/// A sink that counts what passes through to another.
struct Counting<'a> {
    inner: &'a mut dyn Sink,
    entities: u64,
    diagnostics: u64,
}

impl Sink for Counting<'_> {
    fn entity(&mut self, entity: Entity) {
        self.entities += 1;
        self.inner.entity(entity);
    }
    fn delete(&mut self, id: &str) {
        self.inner.delete(id);
    }
    fn diagnostic(&mut self, diagnostic: Diagnostic) {
        self.diagnostics += 1;
        self.inner.diagnostic(diagnostic);
    }
}
