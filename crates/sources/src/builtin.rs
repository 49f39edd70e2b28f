//! Vigia's built-in watchlist, embedded in the binary so that screening works offline from the first command.
