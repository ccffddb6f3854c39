//! The portal's letters as PDF: the receipt of an application, the offer letter, the
//! confirmation of an acceptance and a doctor's lottery result.
//!
//! [`content`] builds what a letter says from typed inputs (pure, unit-tested, one table of
//! texts per language); [`render`] lays it out and writes the PDF. A crate of its own so the
//! PDF and font code (krilla, skrifa, the embedded DejaVu fonts) is built once and kept out
//! of the web crate, and the application layer can attach a letter to a mail.

pub mod content;
pub mod render;

pub use content::{Kind, Letter, Reference};
pub use render::{RenderError, render};
