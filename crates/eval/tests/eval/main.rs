//! Quality floors on the labelled sets (skipped without ../shared/data).
