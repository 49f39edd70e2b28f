//! A seeded generator of realistic synthetic transaction activity with labelled, injected laundering typologies.
