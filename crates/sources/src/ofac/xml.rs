//! Streaming XML in records: the reader walks the document and hands over
//! one small tree per record element (an `sdnEntry`, a `DistinctParty`), so
//! memory holds one record at a time whatever the size of the file.
//! Element and attribute names are compared without namespace prefix: OFAC
//! has published the advanced XML under more than one namespace.

use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// One element with its attributes, text and children.
#[derive(Debug, Default, Clone)]
pub(crate) struct Node {
    pub(crate) name: String,
    pub(crate) attrs: Vec<(String, String)>,
    pub(crate) text: String,
    pub(crate) children: Vec<Node>,
}

impl Node {
    /// The first child element with this local name.
    pub(crate) fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child element with this local name.
    pub(crate) fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Every descendant with this local name, depth first.
    pub(crate) fn descendants<'a>(&'a self, name: &'a str, out: &mut Vec<&'a Node>) {
        for child in &self.children {
            if child.name == name {
                out.push(child);
            }
            child.descendants(name, out);
        }
    }

    /// An attribute value by local name.
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The element's own text, trimmed.
    pub(crate) fn text(&self) -> &str {
        self.text.trim()
    }

    /// The trimmed text of the first child with this name, if not empty.
    pub(crate) fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(Node::text).filter(|t| !t.is_empty())
    }
}

/// Why the document could not be read further.
#[derive(Debug)]
pub(crate) struct XmlError {
    /// Byte offset of the problem.
    pub(crate) offset: u64,
    /// What was wrong.
    pub(crate) message: String,
    /// Whether the document is some other XML (its root element is not one
    /// of those expected).
    pub(crate) wrong_root: bool,
}

impl XmlError {
    /// What a broken document means for the parse: another kind of
    /// document, or one broken before its first record, is unreadable as a
    /// whole (`Err`); a document broken later keeps the records read so far
    /// and reports the loss.
    pub(crate) fn settle(
        self,
        file: &str,
        records: u64,
        sink: &mut dyn crate::Sink,
    ) -> crate::Result<()> {
        if self.wrong_root {
            return Err(crate::Error::UnknownFormat {
                file: file.to_owned(),
                reason: self.message,
            });
        }
        if records == 0 {
            return Err(crate::Error::Malformed {
                file: file.to_owned(),
                location: vigia_model::Location::Byte(self.offset),
                message: self.message,
            });
        }
        sink.diagnostic(vigia_model::Diagnostic {
            file: file.to_owned(),
            location: vigia_model::Location::Byte(self.offset),
            severity: vigia_model::Severity::Error,
            message: format!(
                "XML broken after {records} records ({}); anything after this point is lost",
                self.message
            ),
        });
        Ok(())
    }
}

/// A pull reader of record elements.
pub(crate) struct Records<R> {
    reader: Reader<R>,
    buffer: Vec<u8>,
    /// Names of the open elements above the current position.
    path: Vec<String>,
    /// The record being built, innermost element last.
    stack: Vec<Node>,
    /// The name of the document element, once seen.
    pub(crate) root: Option<String>,
    /// The document elements this format has.
    roots: &'static [&'static str],
}

/// How deep a record may nest. OFAC's records nest about ten levels; a
/// limit keeps a hostile file from building a tree whose recursive drop
/// would exhaust the stack.
const MAX_DEPTH: usize = 64;

/// An element's local name: after the last colon.
fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

fn node_of(start: &BytesStart<'_>) -> Node {
    let name = local(start.name().as_ref()).to_owned();
    let attrs = start
        .attributes()
        .flatten()
        .map(|a| {
            let key = local(a.key.as_ref()).to_owned();
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| a.value.clone().into_owned());
            (key, value)
        })
        .collect();
    Node { name, attrs, text: String::new(), children: Vec::new() }
}

impl<R: BufRead> Records<R> {
    /// A reader of a document whose root element is one of `roots`.
    pub(crate) fn new(input: R, roots: &'static [&'static str]) -> Records<R> {
        let mut reader = Reader::from_reader(input);
        reader.config_mut().check_end_names = true;
        Records {
            reader,
            buffer: Vec::with_capacity(4096),
            path: Vec::new(),
            stack: Vec::new(),
            root: None,
            roots,
        }
    }

    /// Notes the document element and refuses a document of another kind.
    fn see_root(&mut self, name: &str) -> Result<(), XmlError> {
        if self.root.is_none() {
            self.root = Some(name.to_owned());
            if !self.roots.contains(&name) {
                return Err(XmlError {
                    offset: 0,
                    message: format!(
                        "the document element is <{name}>, not <{}>",
                        self.roots.join("> or <")
                    ),
                    wrong_root: true,
                });
            }
        }
        Ok(())
    }

    /// The next element for which `capture(path, name)` holds, read whole;
    /// `Ok(None)` at the end of a complete document.
    ///
    /// # Errors
    /// The document is not well-formed XML, or ends inside an element.
    pub(crate) fn next(
        &mut self,
        capture: impl Fn(&[String], &str) -> bool,
    ) -> Result<Option<Node>, XmlError> {
        loop {
            self.buffer.clear();
            let event = match self.reader.read_event_into(&mut self.buffer) {
                Ok(event) => event,
                Err(error) => {
                    return Err(XmlError {
                        offset: self.reader.error_position(),
                        message: error.to_string(),
                        wrong_root: false,
                    });
                }
            };
            match event {
                Event::Start(start) => {
                    let node = node_of(&start);
                    self.see_root(&node.name)?;
                    if !self.stack.is_empty() || capture(&self.path, &node.name) {
                        if self.stack.len() >= MAX_DEPTH {
                            return Err(XmlError {
                                offset: self.reader.buffer_position(),
                                message: format!(
                                    "<{}> is nested more than {MAX_DEPTH} levels deep",
                                    node.name
                                ),
                                wrong_root: false,
                            });
                        }
                        self.stack.push(node);
                    } else {
                        self.path.push(node.name);
                    }
                }
                Event::Empty(start) => {
                    let node = node_of(&start);
                    self.see_root(&node.name)?;
                    if let Some(parent) = self.stack.last_mut() {
                        parent.children.push(node);
                    } else if capture(&self.path, &node.name) {
                        return Ok(Some(node));
                    }
                }
                Event::End(_) => {
                    if let Some(node) = self.stack.pop() {
                        match self.stack.last_mut() {
                            Some(parent) => parent.children.push(node),
                            None => return Ok(Some(node)),
                        }
                    } else {
                        self.path.pop();
                    }
                }
                Event::Text(text) => {
                    if let Some(node) = self.stack.last_mut() {
                        node.text.push_str(&text.xml10_content());
                    }
                }
                Event::CData(data) => {
                    if let Some(node) = self.stack.last_mut() {
                        node.text.push_str(&data.xml10_content());
                    }
                }
                Event::GeneralRef(reference) => {
                    if let Some(node) = self.stack.last_mut() {
                        match reference.resolve_char_ref() {
                            Ok(Some(c)) => node.text.push(c),
                            _ => match quick_xml::escape::resolve_predefined_entity(&reference) {
                                Some(text) => node.text.push_str(text),
                                None => {
                                    node.text.push('&');
                                    node.text.push_str(&reference);
                                    node.text.push(';');
                                }
                            },
                        }
                    }
                }
                Event::Eof => {
                    if let Some(open) = self
                        .stack
                        .last()
                        .map(|n| n.name.clone())
                        .or_else(|| self.path.last().cloned())
                    {
                        return Err(XmlError {
                            offset: self.reader.buffer_position(),
                            message: format!("the file ends inside <{open}>: it is cut off"),
                            wrong_root: false,
                        });
                    }
                    if self.root.is_none() {
                        return Err(XmlError {
                            offset: 0,
                            message: "no XML element found".into(),
                            wrong_root: false,
                        });
                    }
                    return Ok(None);
                }
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_records_and_reports_cut_files() {
        let xml = r#"<?xml version="1.0"?><list xmlns="urn:x"><head><n>2</n></head>
            <item id="1"><name>A &amp; B</name><empty/></item><item id="2"><name>C&#233;</name></item></list>"#;
        let mut records = Records::new(xml.as_bytes(), &["list"]);
        let capture =
            |path: &[String], name: &str| path.len() == 1 && (name == "item" || name == "head");
        let head = records.next(capture).unwrap().unwrap();
        assert_eq!(head.child_text("n"), Some("2"));
        let first = records.next(capture).unwrap().unwrap();
        assert_eq!(first.attr("id"), Some("1"));
        assert_eq!(first.child_text("name"), Some("A & B"));
        assert!(first.child("empty").is_some());
        let second = records.next(capture).unwrap().unwrap();
        assert_eq!(second.child_text("name"), Some("Cé"));
        assert!(records.next(capture).unwrap().is_none());

        let mut cut = Records::new(&xml.as_bytes()[..120], &["list"]);
        let mut error = None;
        loop {
            match cut.next(capture) {
                Ok(Some(_)) => continue,
                Ok(None) => break,
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        assert!(error.is_some());
    }
}
