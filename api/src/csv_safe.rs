//! CSV formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell that begins with
//! `=`, `+`, `-` or `@` (or a tab or carriage return before one) as a formula, so a custom line
//! item named `=HYPERLINK(…)` or a CUR description beginning with `+` would run on the
//! customer's machine. Every CSV the product writes passes its cells through [`cell`] (or writes
//! whole records with [`record`]): such a cell gets a leading single quote, which spreadsheets
//! show as text. Numbers are left alone (`-1.50` is a number, not a formula), so amounts stay
//! numeric. Full-width `＝ ＋ － ＠`, which some spreadsheets also read as formula starts, are
//! treated the same way.

use std::borrow::Cow;

/// Characters a spreadsheet may read as the start of a formula.
fn is_trigger(c: char) -> bool {
    matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r' | '＝' | '＋' | '－' | '＠')
}

/// A plain decimal number: an optional sign, digits with at most one decimal point, and an
/// optional exponent (`-1.50`, `+3`, `1e-7`). Nothing a spreadsheet would evaluate otherwise.
fn is_number(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = !(int.is_empty() && frac.is_empty()) && digits(int) && digits(frac);
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

/// The cell as it is safe to write: prefixed with `'` when a spreadsheet would read it as a
/// formula, unchanged otherwise (numbers included).
pub fn cell(value: &str) -> Cow<'_, str> {
    match value.chars().next() {
        Some(c) if is_trigger(c) && !is_number(value) => Cow::Owned(format!("'{value}")),
        _ => Cow::Borrowed(value),
    }
}

/// Every cell of a record through [`cell`], for `csv::Writer::write_record`.
pub fn record<'a, I, S>(cells: I) -> Vec<String>
where
    I: IntoIterator<Item = &'a S>,
    S: AsRef<str> + ?Sized + 'a,
{
    cells.into_iter().map(|c| cell(c.as_ref()).into_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_quoted() {
        for (input, want) in [
            ("=1+1", "'=1+1"),
            ("+SUM(A1:A2)", "'+SUM(A1:A2)"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
            ("－1+1", "'－1+1"),
            ("＝1", "'＝1"),
            ("-", "'-"),
            ("+", "'+"),
            ("-e5", "'-e5"),
            ("-1.5.2", "'-1.5.2"),
            ("-1e", "'-1e"),
            ("+Tax", "'+Tax"),
        ] {
            assert_eq!(cell(input), want, "{input:?}");
        }
    }

    #[test]
    fn numbers_and_plain_text_are_unchanged() {
        for input in ["-1.50", "-0.01", "+3", "1e-7", "-2.5E+3", "12.", "-.5", "0", "", "Amazon EC2", "a=b", "1+1", "'=already quoted", "费用"] {
            assert!(matches!(cell(input), Cow::Borrowed(_)), "{input:?}");
            assert_eq!(cell(input), input);
        }
    }

    #[test]
    fn records_written_by_the_csv_crate_stay_quoted() {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(record(["=1+1", "-1.50", "@x", "plain"])).unwrap();
        let out = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(out, "'=1+1,-1.50,'@x,plain\n");
        let owned = vec!["+1+1".to_owned(), "4".to_owned()];
        assert_eq!(record(&owned), vec!["'+1+1", "4"]);
    }
}
