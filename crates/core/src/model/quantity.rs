//! Kubernetes `resource.Quantity`, parsed and printed exactly as apimachinery does.
//!
//! Follows `k8s.io/apimachinery/pkg/api/resource/quantity.go`: the same grammar, the same
//! remembered format (DecimalSI, BinarySI, DecimalExponent), rounding of anything finer than
//! `1n` away from zero, the silent cap of binary-suffixed values at 2^63-1, and the same
//! canonical output (`1.5` -> `1500m`, `1.5Gi` -> `1536Mi`, `1e3` stays `1e3`).
//!
//! Values are held exactly as a signed count of nano-units in an `i128`, which covers every
//! real resource amount (up to about 1.7e29); larger decimal values are refused rather than
//! approximated.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

const NANOS_PER_UNIT: i128 = 1_000_000_000;
/// apimachinery caps binary-suffixed quantities at `2^63 - 1` units.
const BINARY_CAP_NANOS: i128 = (i64::MAX as i128) * NANOS_PER_UNIT;

/// How a quantity was written, which decides how it is printed again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuantityFormat {
    /// Powers of ten with SI suffixes (`m`, `k`, `M`, ...) or none.
    DecimalSi,
    /// Powers of 1024 (`Ki`, `Mi`, `Gi`, ...).
    BinarySi,
    /// Scientific notation (`1e3`, `12E6`).
    DecimalExponent,
}

/// Why a string is not a valid Kubernetes quantity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    /// Nothing was given.
    #[error("quantity is empty: give a number with an optional suffix, e.g. 2, 500m, 4Gi")]
    Empty,
    /// No digits where the number should be.
    #[error("quantity {input:?} does not start with a number; write e.g. 2, 0.5, 500m or 4Gi")]
    MissingNumber {
        /// The rejected input.
        input: String,
    },
    /// Text follows the number that is not one of the known suffixes.
    #[error(
        "quantity {input:?} has an unknown suffix {suffix:?}; use one of n u m k M G T P E \
         (powers of 10), Ki Mi Gi Ti Pi Ei (powers of 1024) or an exponent like e3 \
         (suffixes are case-sensitive: 1Gi, not 1gi or 1GB)"
    )]
    BadSuffix {
        /// The rejected input.
        input: String,
        /// The part after the number.
        suffix: String,
    },
    /// The exponent in `1e<exp>` is outside the supported range.
    #[error("quantity {input:?} has an exponent outside -2147483648..=2147483647")]
    ExponentOutOfRange {
        /// The rejected input.
        input: String,
    },
    /// The value cannot be held exactly (beyond about 1.7e29 or with too many digits).
    #[error(
        "quantity {input:?} is too large or too precise to hold exactly (limit about 1.7e29 \
         with at most nano precision); use a smaller value"
    )]
    OutOfRange {
        /// The rejected input.
        input: String,
    },
    /// Adding two quantities overflowed.
    #[error("sum of quantities {left} and {right} is too large to hold exactly")]
    Overflow {
        /// Left operand.
        left: String,
        /// Right operand.
        right: String,
    },
}

/// An exact Kubernetes resource quantity.
///
/// Equality, ordering and hashing compare the *value* only (like apimachinery's `Cmp`), so
/// `1Gi == 1073741824` even though they print differently.
#[derive(Debug, Clone, Copy)]
pub struct Quantity {
    nanos: i128,
    format: QuantityFormat,
}

impl Quantity {
    /// Zero, printed as `0`.
    pub const ZERO: Quantity = Quantity {
        nanos: 0,
        format: QuantityFormat::DecimalSi,
    };

    /// `value / 1000` units in DecimalSI format (`new_milli(800)` prints `800m`).
    pub const fn new_milli(value: i64) -> Self {
        Self {
            nanos: value as i128 * 1_000_000,
            format: QuantityFormat::DecimalSi,
        }
    }

    /// `value` units in DecimalSI format (`new_decimal(2)` prints `2`).
    pub const fn new_decimal(value: i64) -> Self {
        Self {
            nanos: value as i128 * NANOS_PER_UNIT,
            format: QuantityFormat::DecimalSi,
        }
    }

    /// `value` units (usually bytes) in BinarySI format (`new_binary(512 << 20)` prints `512Mi`).
    pub const fn new_binary(value: i64) -> Self {
        Self {
            nanos: value as i128 * NANOS_PER_UNIT,
            format: QuantityFormat::BinarySi,
        }
    }

    /// Parses `input` with the apimachinery grammar (no surrounding whitespace allowed).
    pub fn parse(input: &str) -> Result<Self, QuantityError> {
        parse(input)
    }

    /// The remembered format, which decides the printed suffix family.
    pub fn format(&self) -> QuantityFormat {
        self.format
    }

    /// The exact value in nano-units (`1` = `1000000000`).
    pub fn as_nanos(&self) -> i128 {
        self.nanos
    }

    /// True for the value zero.
    pub fn is_zero(&self) -> bool {
        self.nanos == 0
    }

    /// True for values below zero (quota values must not be negative).
    pub fn is_negative(&self) -> bool {
        self.nanos < 0
    }

    /// Exact sum. Keeps `self`'s format unless `self` is zero (apimachinery's `Add` rule).
    pub fn checked_add(&self, other: &Quantity) -> Result<Quantity, QuantityError> {
        let nanos = self
            .nanos
            .checked_add(other.nanos)
            .ok_or_else(|| QuantityError::Overflow {
                left: self.to_string(),
                right: other.to_string(),
            })?;
        let format = if self.nanos == 0 {
            other.format
        } else {
            self.format
        };
        Ok(Quantity { nanos, format })
    }

    /// The canonical string (same as `Display`).
    pub fn to_canonical(&self) -> String {
        self.to_string()
    }
}

/// The pieces of `<sign><digits>[.<digits>]<suffix>`.
struct Pieces<'a> {
    negative: bool,
    int_digits: &'a str,
    frac_digits: &'a str,
    suffix: &'a str,
}

fn split(input: &str) -> Result<Pieces<'_>, QuantityError> {
    let bytes = input.as_bytes();
    let mut pos = 0;
    let mut negative = false;
    if let Some(&b) = bytes.first()
        && (b == b'+' || b == b'-')
    {
        negative = b == b'-';
        pos = 1;
    }
    let digits_end = |from: usize| {
        bytes[from..]
            .iter()
            .position(|b| !b.is_ascii_digit())
            .map_or(bytes.len(), |p| from + p)
    };
    let int_end = digits_end(pos);
    let int_digits = &input[pos..int_end];
    let mut frac_digits = "";
    let mut suffix_start = int_end;
    if bytes.get(int_end) == Some(&b'.') {
        let frac_end = digits_end(int_end + 1);
        frac_digits = &input[int_end + 1..frac_end];
        suffix_start = frac_end;
    }
    if int_digits.is_empty() && frac_digits.is_empty() {
        return Err(QuantityError::MissingNumber {
            input: input.to_owned(),
        });
    }
    Ok(Pieces {
        negative,
        int_digits,
        frac_digits,
        suffix: &input[suffix_start..],
    })
}

/// `(base, exponent, format)` for a suffix, as apimachinery's `quantitySuffixer.interpret`.
fn interpret_suffix(
    suffix: &str,
    input: &str,
) -> Result<(u32, i64, QuantityFormat), QuantityError> {
    let dec = |e| Ok((10, e, QuantityFormat::DecimalSi));
    let bin = |e| Ok((2, e, QuantityFormat::BinarySi));
    match suffix {
        "n" => dec(-9),
        "u" => dec(-6),
        "m" => dec(-3),
        "" => dec(0),
        "k" => dec(3),
        "M" => dec(6),
        "G" => dec(9),
        "T" => dec(12),
        "P" => dec(15),
        "E" => dec(18),
        "Ki" => bin(10),
        "Mi" => bin(20),
        "Gi" => bin(30),
        "Ti" => bin(40),
        "Pi" => bin(50),
        "Ei" => bin(60),
        _ => {
            let bad = || QuantityError::BadSuffix {
                input: input.to_owned(),
                suffix: suffix.to_owned(),
            };
            let rest = suffix
                .strip_prefix('e')
                .or_else(|| suffix.strip_prefix('E'))
                .ok_or_else(bad)?;
            let unsigned = rest.strip_prefix(['+', '-']).unwrap_or(rest);
            if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            let exp: i64 = rest
                .parse()
                .map_err(|_| QuantityError::ExponentOutOfRange {
                    input: input.to_owned(),
                })?;
            if i32::try_from(exp).is_err() {
                return Err(QuantityError::ExponentOutOfRange {
                    input: input.to_owned(),
                });
            }
            Ok((10, exp, QuantityFormat::DecimalExponent))
        }
    }
}

fn parse(input: &str) -> Result<Quantity, QuantityError> {
    if input.is_empty() {
        return Err(QuantityError::Empty);
    }
    let pieces = split(input)?;
    let (base, exponent, mut format) = interpret_suffix(pieces.suffix, input)?;
    let out_of_range = || QuantityError::OutOfRange {
        input: input.to_owned(),
    };
    // Significant digits: integer part without leading zeros, fraction without trailing zeros.
    let frac = pieces.frac_digits.trim_end_matches('0');
    let digits = format!("{}{}", pieces.int_digits, frac);
    let digits = digits.trim_start_matches('0');
    let frac_len = i64::try_from(frac.len()).map_err(|_| out_of_range())?;
    let mut nanos = if digits.is_empty() {
        0
    } else if base == 10 {
        // value = digits * 10^(exponent - frac_len); in nanos shift by 9 more.
        scale_decimal(digits, exponent - frac_len + 9).ok_or_else(out_of_range)?
    } else {
        binary_nanos(pieces.int_digits, frac, exponent).ok_or_else(out_of_range)?
    };
    if format == QuantityFormat::BinarySi {
        nanos = nanos.min(BINARY_CAP_NANOS);
        if nanos > 0 && nanos < NANOS_PER_UNIT {
            format = QuantityFormat::DecimalSi;
        }
    }
    if pieces.negative {
        nanos = -nanos;
    }
    Ok(Quantity { nanos, format })
}

/// `digits * 10^shift`, rounding a dropped non-zero fraction up (away from zero).
fn scale_decimal(digits: &str, shift: i64) -> Option<i128> {
    if shift >= 0 {
        let kept: i128 = parse_digits(digits)?;
        let factor = 10i128.checked_pow(u32::try_from(shift).ok()?)?;
        return kept.checked_mul(factor);
    }
    let drop = usize::try_from(shift.unsigned_abs()).ok()?;
    let (kept, dropped) = if drop >= digits.len() {
        ("", digits)
    } else {
        digits.split_at(digits.len() - drop)
    };
    let base = if kept.is_empty() {
        0
    } else {
        parse_digits(kept)?
    };
    let round_up = dropped.bytes().any(|b| b != b'0');
    base.checked_add(i128::from(round_up))
}

/// `int.frac * 2^exponent` in nanos, rounded up below 1n; `None` if it cannot be held exactly.
fn binary_nanos(int_digits: &str, frac: &str, exponent: i64) -> Option<i128> {
    let multiplier = 1i128.checked_shl(u32::try_from(exponent).ok()?)?;
    let int_part = int_digits.trim_start_matches('0');
    // Anything whose integer part alone exceeds the cap is capped anyway.
    if int_part.len() > 19 {
        return Some(BINARY_CAP_NANOS);
    }
    let int_value = if int_part.is_empty() {
        0
    } else {
        parse_digits(int_part)?
    };
    let int_nanos = int_value
        .checked_mul(multiplier)
        .and_then(|v| v.checked_mul(NANOS_PER_UNIT));
    let Some(int_nanos) = int_nanos else {
        return Some(BINARY_CAP_NANOS);
    };
    if int_nanos >= BINARY_CAP_NANOS {
        return Some(BINARY_CAP_NANOS);
    }
    if frac.is_empty() {
        return Some(int_nanos);
    }
    let frac_value = parse_digits(frac)?;
    let numerator = frac_value
        .checked_mul(multiplier)?
        .checked_mul(NANOS_PER_UNIT)?;
    let denominator = 10i128.checked_pow(u32::try_from(frac.len()).ok()?)?;
    let frac_nanos = numerator / denominator + i128::from(numerator % denominator != 0);
    int_nanos.checked_add(frac_nanos)
}

/// Digits to `i128`; `None` on overflow (the std parser stops at the first overflowing digit).
fn parse_digits(digits: &str) -> Option<i128> {
    digits.parse().ok()
}

impl fmt::Display for Quantity {
    /// apimachinery's `CanonicalizeBytes`: no fraction, the largest exponent or suffix that
    /// loses nothing, decimal exponents in multiples of three.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nanos == 0 {
            return f.write_str("0");
        }
        let mut format = self.format;
        if format == QuantityFormat::BinarySi
            && (self.nanos.unsigned_abs() < 1024 * NANOS_PER_UNIT.unsigned_abs()
                || self.nanos % NANOS_PER_UNIT != 0)
        {
            format = QuantityFormat::DecimalSi;
        }
        if format == QuantityFormat::BinarySi {
            let mut units = self.nanos / NANOS_PER_UNIT;
            let mut power = 0usize;
            while units % 1024 == 0 && power < 6 {
                units /= 1024;
                power += 1;
            }
            let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][power];
            return write!(f, "{units}{suffix}");
        }
        let mut mantissa = self.nanos;
        let mut exponent: i32 = -9;
        while mantissa % 10 == 0 {
            mantissa /= 10;
            exponent += 1;
        }
        while exponent % 3 != 0 {
            mantissa *= 10;
            exponent -= 1;
        }
        let si = match exponent {
            -9 => Some("n"),
            -6 => Some("u"),
            -3 => Some("m"),
            0 => Some(""),
            3 => Some("k"),
            6 => Some("M"),
            9 => Some("G"),
            12 => Some("T"),
            15 => Some("P"),
            18 => Some("E"),
            _ => None,
        };
        match (format, si) {
            // DecimalSI has no suffix beyond E (10^18): fall back to an exponent, as upstream.
            (QuantityFormat::DecimalSi | QuantityFormat::BinarySi, Some(suffix)) => {
                write!(f, "{mantissa}{suffix}")
            }
            _ if exponent == 0 => write!(f, "{mantissa}"),
            _ => write!(f, "{mantissa}e{exponent}"),
        }
    }
}

/// Whether two quantity strings mean the same amount (`1000m` and `1`, `1Gi` and
/// `1073741824`); strings that do not parse are compared as text.
pub fn same_amount(a: &str, b: &str) -> bool {
    match (Quantity::parse(a), Quantity::parse(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.nanos == other.nanos
    }
}

impl Eq for Quantity {}

impl Hash for Quantity {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.nanos.hash(state);
    }
}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> Ordering {
        self.nanos.cmp(&other.nanos)
    }
}

impl FromStr for Quantity {
    type Err = QuantityError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl From<&Quantity> for k8s_openapi::apimachinery::pkg::api::resource::Quantity {
    fn from(q: &Quantity) -> Self {
        Self(q.to_string())
    }
}

impl TryFrom<&k8s_openapi::apimachinery::pkg::api::resource::Quantity> for Quantity {
    type Error = QuantityError;
    fn try_from(
        q: &k8s_openapi::apimachinery::pkg::api::resource::Quantity,
    ) -> Result<Self, Self::Error> {
        Self::parse(&q.0)
    }
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Quantity {
    /// Accepts a string or a plain number (YAML `cpu: 2`), like the API server.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Quantity;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Kubernetes quantity such as \"500m\" or \"4Gi\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Quantity, E> {
                Quantity::parse(v).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Quantity, E> {
                Ok(Quantity::new_decimal(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Quantity, E> {
                Quantity::parse(&v.to_string()).map_err(E::custom)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Quantity, E> {
                Quantity::parse(&v.to_string()).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
#[path = "quantity_tests.rs"]
mod tests;
