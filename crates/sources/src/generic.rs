//! A generic CSV watchlist with a column mapping, for an institution's own lists.
