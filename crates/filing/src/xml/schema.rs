//! A schema subset as data, and the engine that checks a tree against it.
//!
//! The official XSDs are not part of this repository. What the filings
//! rely on is transcribed instead: for each element, where it may appear,
//! how often, in which order, and what its value looks like. The engine
//! reports every departure with the element's path; it does not stop at
//! the first.

use std::collections::BTreeSet;

use crate::date::{BirthDate, Date, DateTime};
use crate::violation::{Rule, Violation};
use crate::xml::tree::Node;

/// What a value element may hold.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Value {
    /// Any text up to this many characters.
    Text(usize),
    /// One of a fixed list.
    Code(&'static [&'static str]),
    /// One of a list the FIU profile provides (any code up to this many
    /// characters when the profile has no list).
    Lookup(&'static str, usize),
    /// The FinCEN indicator `Y`.
    Indicator,
    /// A FinCEN date `YYYYMMDD`.
    Date8,
    /// A FinCEN date of birth `YYYYMMDD`, `00` allowed for month and day.
    BirthDate8,
    /// Whole US dollars: digits only, at most 15.
    Dollars,
    /// Digits only, with a length range.
    Digits(usize, usize),
    /// Letters and digits only, with a length range.
    Alnum(usize, usize),
    /// A goAML `xs:dateTime` without zone, `YYYY-MM-DDThh:mm:ss`.
    DateTime,
    /// A goAML amount: digits with at most two decimals.
    Decimal,
    /// An ISO 3166-1 alpha-2 country code, upper case.
    Country,
    /// An ISO 4217 currency code (three upper-case letters).
    Currency,
    /// `true` or `false`.
    Boolean,
}

/// An element declaration.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Decl {
    pub(crate) name: &'static str,
    pub(crate) min: u32,
    pub(crate) max: u32,
    pub(crate) body: Body,
}

/// A value element or a container.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Body {
    /// A value.
    Leaf(Value),
    /// A sequence of items.
    Seq(&'static [Item]),
    /// A sequence given by a function, for types that contain themselves
    /// (a FinCEN party inside a party association).
    Rec(fn() -> &'static [Item]),
}

/// One step of a sequence.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Item {
    /// An element.
    One(Decl),
    /// One of several elements, `min..=max` times in all.
    Choice { min: u32, max: u32, options: &'static [Decl] },
}

/// Unbounded.
pub(crate) const MANY: u32 = u32::MAX;

/// A value element.
pub(crate) const fn leaf(name: &'static str, min: u32, max: u32, value: Value) -> Item {
    Item::One(Decl { name, min, max, body: Body::Leaf(value) })
}

/// A container element.
pub(crate) const fn node(name: &'static str, min: u32, max: u32, items: &'static [Item]) -> Item {
    Item::One(Decl { name, min, max, body: Body::Seq(items) })
}

/// A container element whose content is given by a function.
pub(crate) const fn rec(
    name: &'static str,
    min: u32,
    max: u32,
    items: fn() -> &'static [Item],
) -> Item {
    Item::One(Decl { name, min, max, body: Body::Rec(items) })
}

/// A declaration for a choice.
pub(crate) const fn option(name: &'static str, items: &'static [Item]) -> Decl {
    Decl { name, min: 1, max: 1, body: Body::Seq(items) }
}

/// A value declaration for a choice.
pub(crate) const fn option_leaf(name: &'static str, value: Value) -> Decl {
    Decl { name, min: 1, max: 1, body: Body::Leaf(value) }
}

impl Item {
    fn matches(&self, name: &str) -> Option<&Decl> {
        match self {
            Item::One(decl) => (decl.name == name).then_some(decl),
            Item::Choice { options, .. } => options.iter().find(|d| d.name == name),
        }
    }

    fn bounds(&self) -> (u32, u32) {
        match self {
            Item::One(decl) => (decl.min, decl.max),
            Item::Choice { min, max, .. } => (*min, *max),
        }
    }

    fn label(&self) -> String {
        match self {
            Item::One(decl) => decl.name.to_owned(),
            Item::Choice { options, .. } => {
                options.iter().map(|d| d.name).collect::<Vec<_>>().join(" | ")
            }
        }
    }
}

/// Code lists a profile supplies for [`Value::Lookup`] values.
pub(crate) trait Lookups {
    /// The allowed codes of a list, or `None` when the profile has no list
    /// (any code of the right shape is taken).
    fn codes(&self, list: &str) -> Option<&BTreeSet<String>>;
}

/// No lookups (FinCEN code lists are fixed in the schema).
pub(crate) struct NoLookups;

impl Lookups for NoLookups {
    fn codes(&self, _list: &str) -> Option<&BTreeSet<String>> {
        None
    }
}

/// Checks a tree against a root declaration.
pub(crate) struct Checker<'a> {
    pub(crate) lookups: &'a dyn Lookups,
    pub(crate) out: &'a mut Vec<Violation>,
}

impl Checker<'_> {
    /// Checks an element (already known to be this declaration) and all it
    /// contains.
    pub(crate) fn element(&mut self, node: &Node, decl: &Decl) {
        match decl.body {
            Body::Leaf(value) => {
                if let Some(child) = node.children.first() {
                    self.push(Rule::Unexpected, &child.path, "a value element holds an element");
                }
                self.value(node, value);
            }
            Body::Seq(items) => self.sequence(node, items),
            Body::Rec(items) => self.sequence(node, items()),
        }
    }

    fn push(&mut self, rule: Rule, path: &str, message: impl Into<String>) {
        self.out.push(Violation::new(rule, path, message));
    }

    fn sequence(&mut self, node: &Node, items: &[Item]) {
        if !node.text.trim().is_empty() {
            self.push(Rule::Unexpected, &node.path, "a container element holds text");
        }
        // An empty container whose content is all optional is reported as
        // empty; one with required content gets its missing elements below.
        if node.children.is_empty() && items.iter().all(|item| item.bounds().0 == 0) {
            self.push(Rule::Empty, &node.path, "the element holds nothing");
            return;
        }
        let children = &node.children;
        let mut i = 0;
        for item in items {
            let (min, max) = item.bounds();
            let mut count = 0u32;
            while let Some(child) = children.get(i) {
                let Some(decl) = item.matches(&child.name) else { break };
                count += 1;
                if count > max {
                    self.push(
                        Rule::TooMany,
                        &child.path,
                        format!("{} may occur at most {max} time(s)", item.label()),
                    );
                }
                self.element(child, decl);
                i += 1;
            }
            // An element that is present further on is out of order, not
            // missing: it is reported once, as such, below.
            let later = children[i..].iter().any(|c| item.matches(&c.name).is_some());
            if count < min && !later {
                self.push(
                    Rule::Missing,
                    &format!("{}/{}", node.path, item.label()),
                    format!("required element {} is missing", item.label()),
                );
            }
        }
        for child in &children[i..] {
            match items.iter().find_map(|item| item.matches(&child.name)) {
                Some(decl) => {
                    self.push(Rule::Order, &child.path, format!("{} is out of order", child.name));
                    self.element(child, decl);
                }
                None => self.push(
                    Rule::Unexpected,
                    &child.path,
                    format!("{} is not allowed in {}", child.name, node.name),
                ),
            }
        }
    }

    fn value(&mut self, node: &Node, value: Value) {
        let text = node.text.trim();
        let path = node.path.as_str();
        if text.is_empty() {
            self.push(Rule::Empty, path, "the element has no value");
            return;
        }
        let len = text.chars().count();
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        let format = |what: &str| format!("{text:?} is not {what}");
        match value {
            Value::Text(max) => {
                if len > max {
                    self.push(Rule::Length, path, format!("{len} characters, at most {max}"));
                }
            }
            Value::Code(codes) => {
                if !codes.contains(&text) {
                    self.push(
                        Rule::Code,
                        path,
                        format!("{text:?} is not one of {}", codes.join(", ")),
                    );
                }
            }
            Value::Lookup(list, max) => match self.lookups.codes(list) {
                Some(codes) if !codes.is_empty() => {
                    if !codes.contains(text) {
                        self.push(
                            Rule::Code,
                            path,
                            format!("{text:?} is not in the profile's {list} list"),
                        );
                    }
                }
                _ => {
                    if len > max {
                        self.push(Rule::Length, path, format!("{len} characters, at most {max}"));
                    }
                }
            },
            Value::Indicator => {
                if text != "Y" {
                    self.push(Rule::Format, path, format("the indicator Y"));
                }
            }
            Value::Date8 => {
                if Date::parse_fincen(text).is_none() {
                    self.push(Rule::Format, path, format("a date YYYYMMDD"));
                }
            }
            Value::BirthDate8 => {
                if BirthDate::parse_fincen(text).is_none() {
                    self.push(
                        Rule::Format,
                        path,
                        format("a date of birth YYYYMMDD (00 if unknown)"),
                    );
                }
            }
            Value::Dollars => {
                if !digits(text) || len > 15 {
                    self.push(Rule::Format, path, format("whole dollars (at most 15 digits)"));
                }
            }
            Value::Digits(lo, hi) => {
                if !digits(text) || len < lo || len > hi {
                    self.push(Rule::Format, path, format(&format!("{lo} to {hi} digits")));
                }
            }
            Value::Alnum(lo, hi) => {
                if !text.bytes().all(|b| b.is_ascii_alphanumeric()) || len < lo || len > hi {
                    self.push(
                        Rule::Format,
                        path,
                        format(&format!("{lo} to {hi} letters or digits")),
                    );
                }
            }
            Value::DateTime => {
                if DateTime::parse_goaml(text).is_none() {
                    self.push(Rule::Format, path, format("a date-time YYYY-MM-DDThh:mm:ss"));
                }
            }
            Value::Decimal => {
                let ok = match text.split_once('.') {
                    Some((units, cents)) => {
                        !units.is_empty() && digits(units) && digits(cents) && cents.len() <= 2
                    }
                    None => digits(text),
                };
                if !ok || len > 20 {
                    self.push(Rule::Format, path, format("an amount with at most two decimals"));
                }
            }
            Value::Country => {
                let ok = len == 2
                    && text.bytes().all(|b| b.is_ascii_uppercase())
                    && vigia_model::country::is_code(&text.to_ascii_lowercase());
                if !ok {
                    self.push(Rule::Code, path, format("an ISO 3166-1 alpha-2 country code"));
                }
            }
            Value::Currency => {
                if len != 3 || !text.bytes().all(|b| b.is_ascii_uppercase()) {
                    self.push(Rule::Code, path, format("an ISO 4217 currency code"));
                }
            }
            Value::Boolean => {
                if text != "true" && text != "false" {
                    self.push(Rule::Format, path, format("true or false"));
                }
            }
        }
    }
}

/// Checks the root's name and namespace, then everything below it.
pub(crate) fn check_root(
    root: &Node,
    decl: &Decl,
    namespace: Option<&str>,
    lookups: &dyn Lookups,
    out: &mut Vec<Violation>,
) -> bool {
    if root.name != decl.name || root.ns.as_deref() != namespace {
        let want = match namespace {
            Some(ns) => format!("{} in namespace {ns}", decl.name),
            None => format!("{} in no namespace", decl.name),
        };
        let got = match &root.ns {
            Some(ns) => format!("{} in namespace {ns}", root.name),
            None => format!("{} in no namespace", root.name),
        };
        out.push(Violation::new(Rule::Root, &root.path, format!("root is {got}, expected {want}")));
        return false;
    }
    let mut checker = Checker { lookups, out };
    checker.element(root, decl);
    // Every element below the root must be in the format's namespace too.
    for child in &root.children {
        child.walk(&mut |node| {
            if node.ns.as_deref() != namespace {
                checker.out.push(Violation::new(
                    Rule::Unexpected,
                    &node.path,
                    format!("{} is not in the format's namespace", node.name),
                ));
            }
        });
    }
    true
}

/// The schema subset as an indented outline (name, occurrences, value
/// format), for reviewers: the snapshot tests keep it in the repository
/// next to the code it describes.
#[cfg(test)]
pub(crate) fn outline(decl: &Decl) -> String {
    fn occurs(min: u32, max: u32) -> String {
        match (min, max) {
            (a, b) if a == b => format!("[{a}]"),
            (a, MANY) => format!("[{a}..*]"),
            (a, b) => format!("[{a}..{b}]"),
        }
    }
    fn value(v: Value) -> String {
        match v {
            Value::Text(max) => format!("text, at most {max} characters"),
            Value::Code(codes) => format!("one of {}", codes.join(" ")),
            Value::Lookup(list, _) => format!("code from the profile's {list} list"),
            Value::Indicator => "Y".into(),
            Value::Date8 => "date YYYYMMDD".into(),
            Value::BirthDate8 => "date YYYYMMDD, 00 for an unknown month or day".into(),
            Value::Dollars => "whole dollars, at most 15 digits".into(),
            Value::Digits(a, b) if a == b => format!("{a} digits"),
            Value::Digits(a, b) => format!("{a} to {b} digits"),
            Value::Alnum(a, b) => format!("{a} to {b} letters or digits"),
            Value::DateTime => "date-time YYYY-MM-DDThh:mm:ss".into(),
            Value::Decimal => "amount, at most two decimals".into(),
            Value::Country => "ISO 3166-1 alpha-2 country code".into(),
            Value::Currency => "ISO 4217 currency code".into(),
            Value::Boolean => "true or false".into(),
        }
    }
    /// Types given by a function (a party, a person) are spelled out once;
    /// later uses refer back to the first element that had them.
    type Seen = Vec<(*const Item, &'static str)>;
    fn walk(decl: &Decl, min: u32, max: u32, depth: usize, seen: &mut Seen, out: &mut String) {
        let pad = "  ".repeat(depth);
        let items = match decl.body {
            Body::Leaf(v) => {
                out.push_str(&format!("{pad}{} {} {}\n", decl.name, occurs(min, max), value(v)));
                return;
            }
            Body::Seq(items) => items,
            Body::Rec(items) => {
                let items = items();
                let first = seen.iter().find(|(p, _)| std::ptr::eq(*p, items.as_ptr()));
                if let Some((_, first)) = first {
                    let occurs = occurs(min, max);
                    out.push_str(&format!(
                        "{pad}{} {occurs} (content as {first} above)\n",
                        decl.name
                    ));
                    return;
                }
                seen.push((items.as_ptr(), decl.name));
                items
            }
        };
        out.push_str(&format!("{pad}{} {}\n", decl.name, occurs(min, max)));
        for item in items {
            match item {
                Item::One(d) => walk(d, d.min, d.max, depth + 1, seen, out),
                Item::Choice { min, max, options } => {
                    out.push_str(&format!("{pad}  one of {}:\n", occurs(*min, *max)));
                    for d in *options {
                        walk(d, 1, 1, depth + 2, seen, out);
                    }
                }
            }
        }
    }
    let mut out = String::new();
    walk(decl, decl.min, decl.max, 0, &mut Vec::new(), &mut out);
    out
}
