//! Name and entity similarity: features, scoring algorithms and readable explanations.
