//! Kubernetes resource quantities (`500m`, `2Gi`, `1e3`): the syntax the API server reads and
//! the value, so that validation refuses what a rendered object could not carry.
//!
//! The syntax is apimachinery's `ParseQuantity`: an optional sign, a decimal number (`1`, `1.5`,
//! `.5`, `1.`), then one suffix: binary (`Ki` `Mi` `Gi` `Ti` `Pi` `Ei`), decimal (`n` `u` `m`
//! `k` `M` `G` `T` `P` `E`, or none) or a decimal exponent (`e3`, `E-2`). [`PATTERN`] is the
//! regular expression the Milvus Operator's CRD (and ours) puts on every quantity field; it
//! lets through an exponent with a fraction (`1e1.5`), which [`parse`] refuses as
//! `ParseQuantity` does.
//!
//! ```
//! use milvus_spec::quantity;
//!
//! assert_eq!(quantity::parse("1.5Gi"), Ok(1.5 * 1024.0 * 1024.0 * 1024.0));
//! assert_eq!(quantity::parse("500m"), Ok(0.5));
//! assert!(quantity::parse("lots").is_err());
//! assert!(quantity::parse("1.5.5").is_err());
//! assert_eq!(quantity::parse("-1Gi").map(|v| v < 0.0), Ok(true));
//! ```

/// The quantity pattern of the Kubernetes OpenAPI schema, as upstream's CRD carries it.
pub const PATTERN: &str = r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$";

/// Why a string is not a quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantityError {
    /// Not of the form `<number><suffix>`.
    Syntax,
    /// The suffix is not one of the known ones.
    Suffix,
}

impl std::fmt::Display for QuantityError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Syntax => {
                "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
            }
            Self::Suffix => "unable to parse quantity's suffix",
        })
    }
}

impl std::error::Error for QuantityError {}

/// The value of a quantity in its base unit (cores, bytes), approximately (as `f64`: enough to
/// tell its sign and compare two quantities).
///
/// # Errors
///
/// [`QuantityError`] when `text` is not a quantity, with apimachinery's message.
pub fn parse(text: &str) -> Result<f64, QuantityError> {
    let (negative, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let number_end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (number, suffix) = rest.split_at(number_end);
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if (whole.is_empty() && fraction.is_empty()) || fraction.contains('.') {
        return Err(QuantityError::Syntax);
    }
    let magnitude: f64 = format!("{}.{}", if whole.is_empty() { "0" } else { whole }, fraction)
        .trim_end_matches('.')
        .parse()
        .map_err(|_| QuantityError::Syntax)?;
    let scale = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024_f64,
        "Mi" => 1024_f64.powi(2),
        "Gi" => 1024_f64.powi(3),
        "Ti" => 1024_f64.powi(4),
        "Pi" => 1024_f64.powi(5),
        "Ei" => 1024_f64.powi(6),
        exponent if exponent.starts_with(['e', 'E']) => {
            let digits = &exponent[1..];
            let unsigned = digits.strip_prefix(['+', '-']).unwrap_or(digits);
            if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
                return Err(if unsigned.contains('.') {
                    QuantityError::Syntax
                } else {
                    QuantityError::Suffix
                });
            }
            let exp: i32 = digits.parse().map_err(|_| QuantityError::Suffix)?;
            10_f64.powi(exp)
        }
        other
            if other
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-') =>
        {
            return Err(QuantityError::Suffix);
        }
        _ => return Err(QuantityError::Syntax),
    };
    let value = magnitude * scale;
    Ok(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_quantities_parse() {
        for (text, value) in [
            ("0", 0.0),
            ("1", 1.0),
            ("+2", 2.0),
            ("1.", 1.0),
            (".5", 0.5),
            ("100m", 0.1),
            ("2k", 2000.0),
            ("1Ki", 1024.0),
            ("5Gi", 5.0 * 1024.0 * 1024.0 * 1024.0),
            ("1e3", 1000.0),
            ("1E-3", 0.001),
            ("1.5e+2", 150.0),
            ("-1", -1.0),
        ] {
            let parsed = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert!(
                (parsed - value).abs() <= value.abs() * 1e-12,
                "{text}: {parsed} != {value}"
            );
        }
    }

    #[test]
    fn what_is_not_a_quantity_is_refused() {
        for text in [
            "", "lots", "NaN", "1.5.5", ".", "+", "-", "1Gb", "1gi", "1 Gi", "Gi", "1e", "1e1.5", "0x10",
            "1_000", "∞", "1ki", "1KiB",
        ] {
            assert!(parse(text).is_err(), "{text:?} should not parse");
        }
    }

    #[test]
    fn parse_agrees_with_the_pattern_except_fractional_exponents() {
        let re = regex::Regex::new(PATTERN).unwrap();
        for text in [
            "1", "1.5Gi", "-1Gi", "500m", "1e3", "lots", "1.5.5", "NaN", "1e1.5", ".5", "1.", "+.5E-2", "1Gb",
        ] {
            let by_pattern = re.is_match(text);
            let by_parse = parse(text).is_ok();
            if text == "1e1.5" {
                assert!(by_pattern && !by_parse);
            } else {
                assert_eq!(by_pattern, by_parse, "{text}");
            }
        }
    }
}
