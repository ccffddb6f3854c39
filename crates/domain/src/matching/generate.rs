//! Reproducible instances.
