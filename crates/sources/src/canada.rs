//! Canada SEMA consolidated autonomous sanctions XML.
