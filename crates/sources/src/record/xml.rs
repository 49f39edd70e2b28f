//! Streaming XML: one record at a time, as a small element tree.
//!
//! List files are a root element holding thousands of records (`INDIVIDUAL`,
//! `sanctionEntity`, `Designation`, `record`). [`XmlRecords`] walks the
//! quick-xml event stream and builds an [`Element`] tree for one record only,
//! hands it over and forgets it, so memory stays flat however large the file
//! is. Containers between the root and the records (`INDIVIDUALS`,
//! `ENTITIES`) are walked through, not built.
//!
//! A file that breaks off (cut during download, a syntax error) does not lose
//! what was read before the break: the reader returns an [`Item::Cut`] saying
//! where, and the caller keeps the records it already has.

use std::io::{self, BufRead, Read};

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;
use vigia_model::Location;
use vigia_model::entity::collapse_whitespace;

use crate::{Error, Result};

/// A record larger than this is not built: its events are read and dropped.
/// The biggest real records (UN entries with long comments) are a few KiB;
/// this bound keeps a hostile or broken file from filling memory.
const MAX_RECORD_BYTES: u64 = 4 * 1024 * 1024;

/// Records nested deeper than this are not built either (the official
/// formats nest five levels at most).
const MAX_RECORD_DEPTH: usize = 64;

/// A [`BufRead`] that counts the line breaks it has handed out, so that a
/// diagnostic can name the line where a file broke off.
#[derive(Debug)]
pub(crate) struct LineCount<R> {
    inner: R,
    newlines: u64,
}

impl<R> LineCount<R> {
    /// The 1-based line the next byte belongs to.
    pub(crate) fn line(&self) -> u64 {
        self.newlines + 1
    }
}

impl<R: BufRead> Read for LineCount<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.newlines += count_newlines(&buf[..n]);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCount<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        // The buffer is already filled (the caller just looked at it), so
        // this second `fill_buf` does no IO.
        if let Ok(buf) = self.inner.fill_buf() {
            self.newlines += count_newlines(&buf[..amt.min(buf.len())]);
        }
        self.inner.consume(amt);
    }
}

fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// One XML element with its attributes, its own text and its children.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Element {
    /// The local name (namespace prefix removed).
    pub(crate) name: String,
    /// Attributes by local name, values unescaped.
    pub(crate) attributes: Vec<(String, String)>,
    /// The element's own text (not its children's), unescaped.
    pub(crate) text: String,
    /// Child elements in document order.
    pub(crate) children: Vec<Element>,
}

impl Element {
    /// The value of an attribute, whitespace collapsed; empty if absent.
    pub(crate) fn attr(&self, name: &str) -> String {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| collapse_whitespace(value))
            .unwrap_or_default()
    }

    /// The element's text, whitespace collapsed.
    pub(crate) fn value(&self) -> String {
        collapse_whitespace(&self.text)
    }

    /// The first child with this name.
    pub(crate) fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child with this name.
    pub(crate) fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The collapsed text of the first child with this name; empty if none.
    pub(crate) fn field(&self, name: &str) -> String {
        self.child(name).map(Element::value).unwrap_or_default()
    }

    /// The non-empty collapsed texts of every element reached by following
    /// `path` from this one (`["NATIONALITY", "VALUE"]`).
    pub(crate) fn fields(&self, path: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        self.collect_fields(path, &mut out);
        out
    }

    fn collect_fields(&self, path: &[&str], out: &mut Vec<String>) {
        match path {
            [] => {
                let value = self.value();
                if !value.is_empty() {
                    out.push(value);
                }
            }
            [first, rest @ ..] => {
                for child in self.children(first) {
                    child.collect_fields(rest, out);
                }
            }
        }
    }

    /// Every element reached by following `path` from this one.
    pub(crate) fn all<'a>(&'a self, path: &[&str]) -> Vec<&'a Element> {
        let mut current = vec![self];
        for step in path {
            current = current
                .into_iter()
                .flat_map(|e| e.children.iter().filter(|c| c.name == *step))
                .collect();
        }
        current
    }
}

/// Where a record starts in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Position {
    /// The 1-based line of the record's start tag.
    pub(crate) line: u64,
}

/// Where and why a file stopped being readable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cut {
    /// The 1-based line where reading stopped.
    pub(crate) line: u64,
    /// The byte offset where reading stopped.
    pub(crate) byte: u64,
    /// What went wrong.
    pub(crate) reason: String,
    /// Where the record that was being read when the file broke off
    /// starts, if one was: it is lost.
    pub(crate) partial: Option<Position>,
}

impl Cut {
    /// A message for an operator, naming the place.
    pub(crate) fn message(&self) -> String {
        let lost = match self.partial {
            Some(start) => format!("; the record starting at line {} is lost", start.line),
            None => String::new(),
        };
        format!(
            "file cut off: {} at line {} (byte {}); records before it were kept{lost}",
            self.reason, self.line, self.byte
        )
    }
}

/// What [`XmlRecords::next_item`] found.
#[derive(Debug)]
pub(crate) enum Item {
    /// A complete record.
    Record {
        /// The record's tree (empty of children when `oversized`).
        element: Element,
        /// The record was too large or too deep to build and was skipped.
        oversized: bool,
    },
    /// A complete header element (file-level data such as `DateGenerated`).
    Header(Element),
    /// The file breaks off here; nothing more can be read.
    Cut(Cut),
}

/// Reads the records of a list file one at a time.
pub(crate) struct XmlRecords<R: BufRead> {
    reader: Reader<LineCount<R>>,
    buf: Vec<u8>,
    /// Local names of the record elements.
    records: &'static [&'static str],
    /// Local names of header elements built whole wherever they appear
    /// outside a record.
    headers: &'static [&'static str],
    /// Names of the open elements outside records (the root first).
    open: Vec<String>,
    done: bool,
}

impl<R: BufRead> XmlRecords<R> {
    /// Reads up to the root element and returns it (attributes only).
    ///
    /// # Errors
    /// The input is empty, not text, or holds no XML element.
    pub(crate) fn open(
        input: R,
        file: &str,
        records: &'static [&'static str],
        headers: &'static [&'static str],
    ) -> Result<(XmlRecords<R>, Element)> {
        let mut reader = Reader::from_reader(LineCount { inner: input, newlines: 0 });
        let mut buf = Vec::new();
        loop {
            buf.clear();
            let event = reader.read_event_into(&mut buf);
            match event {
                Ok(Event::Start(start)) => {
                    let root = start_element(&start);
                    let open = vec![root.name.clone()];
                    let records = XmlRecords { reader, buf, records, headers, open, done: false };
                    return Ok((records, root));
                }
                Ok(Event::Empty(start)) => {
                    let root = start_element(&start);
                    let records =
                        XmlRecords { reader, buf, records, headers, open: Vec::new(), done: true };
                    return Ok((records, root));
                }
                Ok(Event::Text(text)) => {
                    if !text.trim().trim_start_matches('\u{feff}').is_empty() {
                        return Err(Error::UnknownFormat {
                            file: file.to_owned(),
                            reason: "text before the first XML element: not XML".into(),
                        });
                    }
                }
                Ok(Event::GeneralRef(_) | Event::CData(_)) => {
                    return Err(Error::UnknownFormat {
                        file: file.to_owned(),
                        reason: "text before the first XML element: not XML".into(),
                    });
                }
                Ok(Event::End(_)) => {
                    return Err(malformed(&reader, file, "a closing tag before any element"));
                }
                Ok(Event::Eof) => {
                    let what = if reader.buffer_position() == 0 {
                        "the file is empty"
                    } else {
                        "no XML element in the file"
                    };
                    return Err(malformed(&reader, file, what));
                }
                Ok(Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_)) => {}
                Err(quick_xml::Error::Encoding(e)) => {
                    return Err(Error::Encoding {
                        file: file.to_owned(),
                        offset: reader.error_position(),
                        reason: e.to_string(),
                    });
                }
                Err(e) => {
                    return Err(malformed(&reader, file, &format!("not well-formed XML ({e})")));
                }
            }
        }
    }

    /// The next record or header element; `None` at the end of the file.
    pub(crate) fn next_item(&mut self) -> Option<Item> {
        if self.done {
            return None;
        }
        loop {
            self.buf.clear();
            let event = self.reader.read_event_into(&mut self.buf);
            match event {
                Ok(Event::Start(start)) => {
                    let element = start_element(&start);
                    let is_record = self.records.contains(&element.name.as_str());
                    if is_record || self.headers.contains(&element.name.as_str()) {
                        let start = Position { line: self.reader.get_ref().line() };
                        return Some(self.finish(element, start, is_record));
                    }
                    self.open.push(element.name);
                }
                Ok(Event::Empty(start)) => {
                    let element = start_element(&start);
                    if self.records.contains(&element.name.as_str()) {
                        return Some(Item::Record { element, oversized: false });
                    }
                    if self.headers.contains(&element.name.as_str()) {
                        return Some(Item::Header(element));
                    }
                }
                Ok(Event::End(_)) => {
                    self.open.pop();
                    if self.open.is_empty() {
                        // The root is closed: whatever follows is not ours.
                        self.done = true;
                        return None;
                    }
                }
                Ok(Event::Eof) => {
                    self.done = true;
                    let inside = self.open.last().cloned().unwrap_or_default();
                    return Some(self.cut(format!("the file ends inside <{inside}>"), None));
                }
                Ok(_) => {}
                Err(e) => {
                    self.done = true;
                    return Some(self.cut(format!("not well-formed XML ({e})"), None));
                }
            }
        }
    }

    /// Reads the rest of a record or header element whose start tag was
    /// just read.
    fn finish(&mut self, root: Element, position: Position, is_record: bool) -> Item {
        let start_byte = self.reader.buffer_position();
        let mut stack = vec![root];
        // Depth of elements opened but not stored because the record grew
        // too large; they still have to be closed.
        let mut skipped_depth = 0usize;
        let mut oversized = false;
        loop {
            self.buf.clear();
            let event = self.reader.read_event_into(&mut self.buf);
            if !oversized
                && (self.reader.buffer_position() - start_byte > MAX_RECORD_BYTES
                    || stack.len() > MAX_RECORD_DEPTH)
            {
                oversized = true;
            }
            match event {
                Ok(Event::Start(start)) => {
                    if oversized {
                        skipped_depth += 1;
                    } else {
                        stack.push(start_element(&start));
                    }
                }
                Ok(Event::Empty(start)) => {
                    if !oversized && let Some(top) = stack.last_mut() {
                        top.children.push(start_element(&start));
                    }
                }
                Ok(Event::Text(text)) => {
                    if !oversized && let Some(top) = stack.last_mut() {
                        top.text.push_str(&text.xml10_content());
                    }
                }
                Ok(Event::CData(data)) => {
                    if !oversized && let Some(top) = stack.last_mut() {
                        top.text.push_str(&data.xml10_content());
                    }
                }
                Ok(Event::GeneralRef(reference)) => {
                    if !oversized && let Some(top) = stack.last_mut() {
                        match reference.resolve_char_ref() {
                            Ok(Some(c)) => top.text.push(c),
                            _ => match quick_xml::escape::resolve_predefined_entity(&reference) {
                                Some(resolved) => top.text.push_str(resolved),
                                // An entity we cannot resolve stays as written.
                                None => {
                                    top.text.push('&');
                                    top.text.push_str(&reference);
                                    top.text.push(';');
                                }
                            },
                        }
                    }
                }
                Ok(Event::End(_)) => {
                    if skipped_depth > 0 {
                        skipped_depth -= 1;
                        continue;
                    }
                    let Some(done) = stack.pop() else {
                        // Unreachable: the stack holds the record until its
                        // own end tag pops it, which returns below.
                        return self.cut("unbalanced tags".into(), Some(position));
                    };
                    match stack.last_mut() {
                        Some(parent) => {
                            if !oversized {
                                parent.children.push(done);
                            }
                        }
                        None if is_record => {
                            let element = if oversized {
                                Element {
                                    name: done.name,
                                    attributes: done.attributes,
                                    ..Element::default()
                                }
                            } else {
                                done
                            };
                            return Item::Record { element, oversized };
                        }
                        None => return Item::Header(done),
                    }
                }
                Ok(Event::Eof) => {
                    self.done = true;
                    let inside = stack.last().map(|e| e.name.clone()).unwrap_or_default();
                    return self.cut(format!("the file ends inside <{inside}>"), Some(position));
                }
                Ok(_) => {}
                Err(e) => {
                    self.done = true;
                    return self.cut(format!("not well-formed XML ({e})"), Some(position));
                }
            }
        }
    }

    fn cut(&self, reason: String, partial: Option<Position>) -> Item {
        Item::Cut(Cut {
            line: self.reader.get_ref().line(),
            byte: self.reader.buffer_position(),
            reason,
            partial,
        })
    }
}

fn malformed<R>(reader: &Reader<LineCount<R>>, file: &str, what: &str) -> Error {
    Error::Malformed {
        file: file.to_owned(),
        location: Location::Line(reader.get_ref().line()),
        message: what.to_owned(),
    }
}

/// An element from its start tag: local name and unescaped attributes.
fn start_element(start: &BytesStart<'_>) -> Element {
    let name = start.local_name().as_ref().to_owned();
    let attributes = start
        .attributes()
        .filter_map(std::result::Result::ok)
        .map(|attr| {
            let key = attr.key.local_name().as_ref().to_owned();
            let value = attr
                .normalized_value(XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| attr.value.clone().into_owned());
            (key, value)
        })
        .collect();
    Element { name, attributes, text: String::new(), children: Vec::new() }
}

/// The root element of a document from the start of its text: its local
/// name and the whole start tag (for namespace checks). `None` when the head
/// holds no element start.
pub(crate) fn root_element(head: &str) -> Option<(&str, &str)> {
    let mut rest = head.trim_start_matches('\u{feff}');
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
            let qualified = &after[..end];
            let local = qualified.rsplit(':').next().unwrap_or(qualified);
            let tag_end = after.find('>').map_or(after.len(), |i| i + 1);
            return (!local.is_empty()).then_some((local, &after[..tag_end]));
        } else {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(xml: &str) -> (Element, Vec<Item>) {
        let (mut records, root) =
            XmlRecords::open(xml.as_bytes(), "t.xml", &["R"], &["H"]).unwrap();
        let mut items = Vec::new();
        while let Some(item) = records.next_item() {
            items.push(item);
        }
        (root, items)
    }

    #[test]
    fn records_headers_and_entities() {
        let xml = "<?xml version=\"1.0\"?>\n<root a=\"1 &amp; 2\">\n<H>2020</H>\n<list>\n\
                   <R id=\"x\"><N>A &amp; B&#x20;C</N><E/></R>\n<R/>\n</list>\n</root>";
        let (root, items) = read_all(xml);
        assert_eq!(root.name, "root");
        assert_eq!(root.attr("a"), "1 & 2");
        assert_eq!(items.len(), 3);
        let Item::Header(header) = &items[0] else { panic!("{items:?}") };
        assert_eq!(header.value(), "2020");
        let Item::Record { element, oversized } = &items[1] else { panic!() };
        assert_eq!(element.field("N"), "A & B C");
        assert_eq!(element.children.len(), 2);
        assert!(!oversized);
        assert!(matches!(&items[2], Item::Record { element, .. } if element.children.is_empty()));
    }

    #[test]
    fn cut_inside_a_record_names_the_line() {
        let (_, items) = read_all("<root>\n<R><N>a</N></R>\n<R><N>b");
        assert_eq!(items.len(), 2);
        let Item::Cut(cut) = &items[1] else { panic!("{items:?}") };
        assert_eq!(cut.line, 3);
        assert!(cut.partial.is_some());
        assert!(cut.message().contains("ends inside <N>"), "{}", cut.message());
    }

    #[test]
    fn root_of_heads() {
        assert_eq!(
            root_element("<?xml version='1.0'?><!-- c --><a:b x='1'>").map(|r| r.0),
            Some("b")
        );
        assert_eq!(
            root_element("\u{feff}<export xmlns=\"u\">").map(|r| r.1),
            Some("export xmlns=\"u\">")
        );
        assert_eq!(root_element("hello"), None);
        assert_eq!(root_element("<?xml"), None);
    }
}
