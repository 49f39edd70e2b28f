//! EU Financial Sanctions Files (FSF) consolidated XML.
