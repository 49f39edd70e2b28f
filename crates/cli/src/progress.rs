//! Progress bars for long work: shown on a terminal, silent when piped.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// A spinner counting items (entities read), or a hidden bar when standard
/// error is not a terminal.
pub(crate) fn counter(interactive: bool, prefix: &str) -> ProgressBar {
    if !interactive {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    // The template is a constant: it parses, or the default style is fine.
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} {prefix}: {human_pos} {msg} ({elapsed})")
    {
        bar.set_style(style);
    }
    bar.set_prefix(prefix.to_owned());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// A byte bar for a download of known size (a spinner when the size is
/// unknown), or a hidden bar when standard error is not a terminal.
pub(crate) fn bytes(interactive: bool, prefix: &str, total: Option<u64>) -> ProgressBar {
    if !interactive {
        return ProgressBar::hidden();
    }
    let (bar, template) = match total {
        Some(total) => (
            ProgressBar::new(total),
            "{prefix}: [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        ),
        None => (ProgressBar::new_spinner(), "{spinner} {prefix}: {bytes} {bytes_per_sec}"),
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(prefix.to_owned());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}
