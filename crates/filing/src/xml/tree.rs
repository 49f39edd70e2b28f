//! A small element tree read back with quick-xml, for validation.
//!
//! Filings are small (a SAR is tens of kilobytes), so a tree is simpler to
//! check than a stream: rules look at siblings, counts and totals.

use quick_xml::NsReader;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

use crate::violation::{Rule, Violation};
use crate::xml::writer::xml_char;

/// The deepest nesting read (a SAR goes about eight levels deep).
const MAX_DEPTH: usize = 64;

/// An element: namespace, local name, attributes, children and own text.
#[derive(Debug, Clone, Default)]
pub(crate) struct Node {
    /// The namespace URI, when the name is bound to one.
    pub(crate) ns: Option<String>,
    /// The local name.
    pub(crate) name: String,
    /// Attributes by local name (namespace declarations left out).
    pub(crate) attrs: Vec<(String, String)>,
    /// Child elements in document order.
    pub(crate) children: Vec<Node>,
    /// The element's own text, unescaped.
    pub(crate) text: String,
    /// `/Root/Child[2]/Leaf[1]`: positions count siblings of the same name.
    pub(crate) path: String,
}

impl Node {
    /// The value of an attribute, by local name.
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The children of a name.
    pub(crate) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The first child of a name.
    pub(crate) fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The trimmed text of the first child of a name.
    pub(crate) fn value(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }

    /// Whether the first child of a name holds the indicator `Y`.
    pub(crate) fn flag(&self, name: &str) -> bool {
        self.value(name) == Some("Y")
    }

    /// Every element below this one, depth first, this one included.
    pub(crate) fn walk(&self, visit: &mut impl FnMut(&Node)) {
        visit(self);
        for child in &self.children {
            child.walk(visit);
        }
    }
}

/// Parses a document into its root element. A document that is not
/// well-formed gives one violation with the byte offset.
pub(crate) fn parse(xml: &str) -> Result<Node, Violation> {
    let mut reader = NsReader::from_str(xml);
    let mut stack: Vec<Node> = Vec::new();
    let fail = |offset: u64, message: String| {
        Violation::new(Rule::WellFormed, format!("byte {offset}"), message)
    };
    loop {
        let offset = reader.buffer_position();
        let (ns, event) = reader.read_resolved_event().map_err(|e| fail(offset, e.to_string()))?;
        let ns = match ns {
            ResolveResult::Bound(ns) => Some(ns.as_ref().to_owned()),
            ResolveResult::Unbound => None,
            ResolveResult::Unknown(prefix) => {
                return Err(fail(offset, format!("unbound namespace prefix {prefix:?}")));
            }
        };
        match event {
            Event::Start(start) => {
                // No filing nests deeply; a limit keeps hostile input from
                // exhausting the stack of the recursive checks.
                if stack.len() >= MAX_DEPTH {
                    return Err(fail(offset, format!("elements nested deeper than {MAX_DEPTH}")));
                }
                let node = element(&start, ns, stack.last()).map_err(|e| fail(offset, e))?;
                stack.push(node);
            }
            Event::Empty(start) => {
                let node = element(&start, ns, stack.last()).map_err(|e| fail(offset, e))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => return Ok(node),
                }
            }
            Event::End(_) => {
                let Some(node) = stack.pop() else {
                    return Err(fail(offset, "end tag without a start".into()));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => return Ok(node),
                }
            }
            Event::Text(text) => {
                let text = text.xml10_content();
                match stack.last_mut() {
                    Some(node) => node.text.push_str(&text),
                    None if text.trim().is_empty() => {}
                    None => return Err(fail(offset, "text outside the root element".into())),
                }
            }
            Event::CData(data) => {
                if let Some(node) = stack.last_mut() {
                    node.text.push_str(&data.xml10_content());
                }
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => quick_xml::escape::resolve_predefined_entity(&reference)
                        .map(str::to_owned)
                        .ok_or_else(|| {
                            fail(offset, format!("undefined entity &{};", &*reference))
                        })?,
                    Err(e) => return Err(fail(offset, e.to_string())),
                };
                if let Some(node) = stack.last_mut() {
                    node.text.push_str(&resolved);
                }
            }
            Event::Eof => {
                return Err(fail(
                    offset,
                    "the document ends before its root element closes".into(),
                ));
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
}

/// A node from its start tag: local name, attributes, path.
fn element(
    start: &BytesStart<'_>,
    ns: Option<String>,
    parent: Option<&Node>,
) -> Result<Node, String> {
    let name = start.local_name().as_ref().to_owned();
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| e.to_string())?;
        if attr.key.as_namespace_binding().is_some() {
            continue;
        }
        let value = attr.normalized_value(XmlVersion::Explicit1_0).map_err(|e| e.to_string())?;
        let local = attr.key.local_name().as_ref().to_owned();
        attrs.push((local, value.into_owned()));
    }
    let path = match parent {
        Some(parent) => {
            let n = parent.children.iter().filter(|c| c.name == name).count() + 1;
            format!("{}/{name}[{n}]", parent.path)
        }
        None => format!("/{name}"),
    };
    Ok(Node { ns, name, attrs, children: Vec::new(), text: String::new(), path })
}

/// Violations for text holding characters outside XML 1.0 (the reader
/// resolves `&#1;` without complaint, so this is checked on the tree).
pub(crate) fn check_characters(root: &Node, out: &mut Vec<Violation>) {
    root.walk(&mut |node| {
        let attr_bad = node.attrs.iter().any(|(_, v)| !v.chars().all(xml_char));
        if !node.text.chars().all(xml_char) || attr_bad {
            out.push(Violation::new(
                Rule::Characters,
                node.path.clone(),
                "text holds characters XML cannot carry",
            ));
        }
    });
}
