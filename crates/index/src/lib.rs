//! An immutable in-memory matching index over listed names, with fast and safe candidate generation.
