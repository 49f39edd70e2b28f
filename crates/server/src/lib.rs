//! Vigia's HTTP API: yente-compatible screening, search, entities, admin and metrics.
