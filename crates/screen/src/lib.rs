//! The screening pipeline: query, candidates, scores, decision; single and batch.
