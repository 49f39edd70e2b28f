//! OpenSanctions formats: FollowTheMoney JSON lines, delta feeds, Senzing JSON.
