//! Figures as alert explanations and graph detections write them.

/// Room for the largest `u64` grouped: 20 digits and 6 commas.
pub(crate) const GROUPED_LEN: usize = 26;

/// `n` with a comma between groups of three digits (`1,234,567`), written
/// into `buf`: no allocation, so a detection's text takes its figures
/// straight in.
pub(crate) fn grouped(n: u64, buf: &mut [u8; GROUPED_LEN]) -> &str {
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(n).as_bytes();
    let mut len = 0;
    for (i, &digit) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            buf[len] = b',';
            len += 1;
        }
        buf[len] = digit;
        len += 1;
    }
    // ASCII digits and commas: always UTF-8.
    std::str::from_utf8(&buf[..len]).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_of_three() {
        for (n, text) in [
            (0, "0"),
            (999, "999"),
            (1_000, "1,000"),
            (61_200, "61,200"),
            (1_234_567, "1,234,567"),
            (u64::MAX, "18,446,744,073,709,551,615"),
        ] {
            assert_eq!(grouped(n, &mut [0; GROUPED_LEN]), text);
        }
    }
}
