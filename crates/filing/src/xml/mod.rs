//! XML plumbing shared by the FinCEN and goAML formats: a writer that
//! escapes and numbers elements, a small element tree read back with
//! quick-xml, and the engine that checks a tree against a schema subset.

pub(crate) mod schema;
pub(crate) mod tree;
pub(crate) mod writer;
