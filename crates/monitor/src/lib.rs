//! Transaction monitoring: scenarios as data, event-time windows, graph typologies and alerts.
