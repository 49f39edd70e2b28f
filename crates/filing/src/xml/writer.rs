//! Writing filings with quick-xml's writer: text is escaped by the writer,
//! never concatenated into markup.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use crate::error::Result;
use crate::violation::{Rule, Violation};

/// An open element and how many children of each name it has so far (for
/// 1-based paths in violations).
struct Open {
    name: &'static str,
    path: String,
    counts: Vec<(&'static str, u32)>,
}

impl Open {
    fn child_path(&mut self, name: &'static str) -> String {
        let n = match self.counts.iter_mut().find(|(n, _)| *n == name) {
            Some((_, count)) => {
                *count += 1;
                *count
            }
            None => {
                self.counts.push((name, 1));
                1
            }
        };
        format!("{}/{name}[{n}]", self.path)
    }
}

/// A document being written: elements get the format's namespace prefix
/// and, for FinCEN, a `SeqNum` on every container.
pub(crate) struct XmlOut {
    writer: Writer<Vec<u8>>,
    prefix: &'static str,
    seq_nums: bool,
    next_seq: u32,
    open: Vec<Open>,
    problems: Vec<Violation>,
}

impl XmlOut {
    /// A new UTF-8 document with its declaration.
    pub(crate) fn new(prefix: &'static str, seq_nums: bool) -> Result<XmlOut> {
        let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
        writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        Ok(XmlOut { writer, prefix, seq_nums, next_seq: 1, open: Vec::new(), problems: Vec::new() })
    }

    fn qname(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    fn path_for(&mut self, name: &'static str) -> String {
        match self.open.last_mut() {
            Some(parent) => parent.child_path(name),
            None => format!("/{name}"),
        }
    }

    /// Opens the root element with its attributes (namespace declarations
    /// and batch totals); the root carries no `SeqNum`.
    pub(crate) fn root(&mut self, name: &'static str, attributes: &[(&str, &str)]) -> Result<()> {
        let mut start = BytesStart::new(self.qname(name));
        for (key, value) in attributes {
            start.push_attribute((*key, *value));
        }
        self.writer.write_event(Event::Start(start))?;
        self.open.push(Open { name, path: format!("/{name}"), counts: Vec::new() });
        Ok(())
    }

    /// Opens a container element.
    pub(crate) fn open(&mut self, name: &'static str) -> Result<()> {
        let path = self.path_for(name);
        let mut start = BytesStart::new(self.qname(name));
        if self.seq_nums {
            start.push_attribute(("SeqNum", self.next_seq.to_string().as_str()));
            self.next_seq += 1;
        }
        self.writer.write_event(Event::Start(start))?;
        self.open.push(Open { name, path, counts: Vec::new() });
        Ok(())
    }

    /// Closes the innermost open element.
    pub(crate) fn close(&mut self) -> Result<()> {
        if let Some(open) = self.open.pop() {
            self.writer.write_event(Event::End(BytesEnd::new(self.qname(open.name))))?;
        }
        Ok(())
    }

    /// A value element. Blank text writes nothing: FinCEN and goAML both
    /// want an absent element rather than an empty one. Line ends become
    /// `\n`; characters XML cannot carry are reported and left out.
    pub(crate) fn leaf(&mut self, name: &'static str, text: &str) -> Result<()> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(());
        }
        let path = self.path_for(name);
        let text = self.clean(text, &path);
        self.writer.write_event(Event::Start(BytesStart::new(self.qname(name))))?;
        self.writer.write_event(Event::Text(text_event(&text)))?;
        self.writer.write_event(Event::End(BytesEnd::new(self.qname(name))))?;
        Ok(())
    }

    /// A value element whose text is kept as given (narrative blocks, where
    /// the space at a cut belongs to the text). Blank text writes nothing.
    pub(crate) fn leaf_verbatim(&mut self, name: &'static str, text: &str) -> Result<()> {
        if text.trim().is_empty() {
            return Ok(());
        }
        let path = self.path_for(name);
        let text = self.clean(text, &path);
        self.writer.write_event(Event::Start(BytesStart::new(self.qname(name))))?;
        self.writer.write_event(Event::Text(text_event(&text)))?;
        self.writer.write_event(Event::End(BytesEnd::new(self.qname(name))))?;
        Ok(())
    }

    /// A value element when there is a value.
    pub(crate) fn leaf_opt(&mut self, name: &'static str, text: Option<&str>) -> Result<()> {
        match text {
            Some(text) => self.leaf(name, text),
            None => Ok(()),
        }
    }

    /// A FinCEN indicator: `Y` when set, absent otherwise.
    pub(crate) fn flag(&mut self, name: &'static str, set: bool) -> Result<()> {
        if set { self.leaf(name, "Y") } else { Ok(()) }
    }

    /// Normalises line ends and drops characters outside XML 1.0's `Char`
    /// production, recording a violation for each element that had some.
    fn clean(&mut self, text: &str, path: &str) -> String {
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        if text.chars().all(xml_char) {
            return text;
        }
        let bad: Vec<String> =
            text.chars().filter(|c| !xml_char(*c)).map(|c| format!("U+{:04X}", c as u32)).collect();
        self.problems.push(Violation::new(
            Rule::Characters,
            path,
            format!("text holds characters XML cannot carry: {}", bad.join(", ")),
        ));
        text.chars().filter(|c| xml_char(*c)).collect()
    }

    /// Closes every open element and returns the document, with the
    /// character problems met on the way.
    pub(crate) fn finish(mut self) -> Result<(String, Vec<Violation>)> {
        while !self.open.is_empty() {
            self.close()?;
        }
        let bytes = self.writer.into_inner();
        // Every byte written came from a `&str` or an ASCII literal, so the
        // buffer is UTF-8; the lossy conversion never replaces anything.
        let xml = String::from_utf8_lossy(&bytes).into_owned();
        Ok((xml + "\n", self.problems))
    }
}

/// A text event escaping only what text content must escape (`&`, `<`,
/// `>`): quotes and apostrophes stay readable in narratives.
fn text_event(text: &str) -> BytesText<'_> {
    BytesText::from_escaped(quick_xml::escape::partial_escape(text))
}

/// XML 1.0 `Char`: tab, newline, carriage return and everything from U+0020
/// except U+FFFE and U+FFFF (Rust strings hold no surrogates).
pub(crate) fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}
