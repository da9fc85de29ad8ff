//! Tests for [`super::Quantity`], with tables taken from apimachinery's `quantity_test.go`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use proptest::prelude::*;

use QuantityFormat::{BinarySi as Bin, DecimalExponent as Exp, DecimalSi as Dec};

/// (input, canonical output, remembered format) — inputs from `TestQuantityParse`, outputs
/// computed with upstream's `CanonicalizeBytes` rules.
const VALID: &[(&str, &str, QuantityFormat)] = &[
    ("0", "0", Dec),
    ("7Mi", "7Mi", Bin),
    ("6Gi", "6Gi", Bin),
    ("5Ti", "5Ti", Bin),
    ("4Pi", "4Pi", Bin),
    ("3Ei", "3Ei", Bin),
    ("10Ti", "10Ti", Bin),
    ("100Ti", "100Ti", Bin),
    ("5n", "5n", Dec),
    ("4u", "4u", Dec),
    ("3m", "3m", Dec),
    ("9", "9", Dec),
    ("8k", "8k", Dec),
    ("50k", "50k", Dec),
    ("7M", "7M", Dec),
    ("6G", "6G", Dec),
    ("5T", "5T", Dec),
    ("40T", "40T", Dec),
    ("300T", "300T", Dec),
    ("2P", "2P", Dec),
    ("1E", "1E", Dec),
    ("1E-3", "1e-3", Exp),
    ("1e3", "1e3", Exp),
    ("1E6", "1e6", Exp),
    ("1e9", "1e9", Exp),
    ("1E12", "1e12", Exp),
    ("1e15", "1e15", Exp),
    ("1E18", "1e18", Exp),
    ("1e14", "100e12", Exp),
    ("1e13", "10e12", Exp),
    ("100.035k", "100035", Dec),
    ("0.001", "1m", Dec),
    ("0.0005k", "500m", Dec),
    ("0.005", "5m", Dec),
    ("0.05", "50m", Dec),
    ("0.5", "500m", Dec),
    ("0.00050k", "500m", Dec),
    ("0.00500", "5m", Dec),
    ("0.05000", "50m", Dec),
    ("0.50000", "500m", Dec),
    ("0.5e0", "500e-3", Exp),
    ("0.5e-1", "50e-3", Exp),
    ("0.5e-2", "5e-3", Exp),
    ("10.035M", "10035k", Dec),
    ("1.2e3", "1200", Exp),
    ("1.3E+6", "1300e3", Exp),
    ("1.40e9", "1400e6", Exp),
    ("1.53E12", "1530e9", Exp),
    ("1.6e15", "1600e12", Exp),
    ("1.7E18", "1700e15", Exp),
    ("9.01", "9010m", Dec),
    ("8.1k", "8100", Dec),
    ("7.123456M", "7123456", Dec),
    ("6.987654321G", "6987654321", Dec),
    ("5.444T", "5444G", Dec),
    ("40.1T", "40100G", Dec),
    ("300.2T", "300200G", Dec),
    ("2.5P", "2500T", Dec),
    ("1.01E", "1010P", Dec),
    // Things that saturate or round (up to 1n, away from zero; binary capped at 2^63-1).
    ("3.001n", "4n", Dec),
    ("1.1E-9", "2e-9", Exp),
    ("0.0000000001", "1n", Dec),
    ("0.0000000005", "1n", Dec),
    ("0.00000000050", "1n", Dec),
    ("0.5e-9", "1e-9", Exp),
    ("0.9n", "1n", Dec),
    ("0.00000012345", "124n", Dec),
    ("0.00000012354", "124n", Dec),
    ("9Ei", "9223372036854775807", Bin),
    ("9223372036854775807Ki", "9223372036854775807", Bin),
    ("12E", "12E", Dec),
    // Fractional binary values.
    ("100.035Ki", "102435840m", Bin),
    ("0.5Mi", "512Ki", Bin),
    ("0.05Gi", "53687091200m", Bin),
    ("0.025Ti", "27487790694400m", Bin),
    // "Things written by trolls".
    ("0.000000000001Ki", "2n", Dec),
    (".001", "1m", Dec),
    (".0001k", "100m", Dec),
    ("1.", "1", Dec),
    ("1.G", "1G", Dec),
    // Canonical forms named in the brief and in the Quantity doc comment.
    ("1000m", "1", Dec),
    ("1.5", "1500m", Dec),
    ("1.5Gi", "1536Mi", Bin),
    ("0.5Gi", "512Mi", Bin),
    ("1024Ki", "1Mi", Bin),
    ("1025Ki", "1025Ki", Bin),
    ("1023", "1023", Dec),
    ("1024", "1024", Dec),
    ("2000Mi", "2000Mi", Bin),
    ("512Ki", "512Ki", Bin),
    ("0800", "800", Dec),
    ("+1", "1", Dec),
    ("-1Ki", "-1Ki", Bin),
    ("-0.5", "-500m", Dec),
    ("-0", "0", Dec),
    ("0Ki", "0", Bin),
    ("1000E", "1e21", Dec),
    ("1e-100", "1e-9", Exp),
    ("0e99", "0", Exp),
    ("100000000000000000000", "100E", Dec),
];

/// Inputs upstream rejects (`TestQuantityParse` invalid list and the parse-grid extras), plus
/// the bare sign / bare dot that upstream's scanner reads as zero and we refuse as typos.
const INVALID: &[&str] = &[
    "1.1.M",
    "1+1.0M",
    "0.1mi",
    "0.1am",
    "aoeu",
    ".5i",
    "1i",
    "-3.01i",
    "-3.01e-",
    " 1",
    "1 ",
    "",
    "1K",
    "1ki",
    "1KI",
    "1KiB",
    "1Zi",
    "1Z",
    "1µ",
    "1e",
    "1e+",
    "1e-",
    "1e1.5",
    "1e.5",
    "1e3k",
    "1E3Ki",
    "1e+-3",
    "1..5",
    "1-",
    "++1",
    "1,5",
    "1_000",
    "0x10",
    "1/2",
    "Inf",
    "NaN",
    "１",
    "−1",
    "1\u{0}",
    "+",
    "-",
    ".",
    "1gi",
    "2GB",
    "1e9223372036854775808",
    "1e99999999999999999999",
    "1e3000000000",
];

#[test]
fn upstream_valid_table_parses_to_canonical_form() {
    for (input, canonical, format) in VALID {
        let q = Quantity::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(q.to_string(), *canonical, "canonical form of {input:?}");
        assert_eq!(q.format(), *format, "format of {input:?}");
        let again = Quantity::parse(canonical).unwrap();
        assert_eq!(again, q, "re-parse of {canonical:?}");
        assert_eq!(again.to_string(), *canonical, "canonical is a fixed point");
    }
}

#[test]
fn negated_and_plus_signed_inputs_match() {
    for (input, _, format) in VALID.iter().filter(|(i, _, _)| !i.starts_with(['+', '-'])) {
        let q = Quantity::parse(input).unwrap();
        let neg = Quantity::parse(&format!("-{input}")).unwrap();
        let pos = Quantity::parse(&format!("+{input}")).unwrap();
        assert_eq!(neg.as_nanos(), -q.as_nanos(), "-{input}");
        assert_eq!(pos, q, "+{input}");
        assert_eq!(pos.format(), *format);
    }
}

#[test]
fn upstream_invalid_table_is_rejected() {
    for input in INVALID {
        let err = Quantity::parse(input);
        assert!(err.is_err(), "{input:?} parsed as {:?}", err);
        assert!(!err.unwrap_err().to_string().is_empty());
    }
}

#[test]
fn errors_say_what_is_wrong() {
    assert!(matches!(
        Quantity::parse("2GB"),
        Err(QuantityError::BadSuffix { ref suffix, .. }) if suffix == "GB"
    ));
    assert!(matches!(
        Quantity::parse("abc"),
        Err(QuantityError::MissingNumber { .. })
    ));
    assert!(matches!(Quantity::parse(""), Err(QuantityError::Empty)));
    assert!(matches!(
        Quantity::parse("1e40"),
        Err(QuantityError::OutOfRange { .. })
    ));
    assert!(matches!(
        Quantity::parse("1e3000000000"),
        Err(QuantityError::ExponentOutOfRange { .. })
    ));
    assert!(
        Quantity::parse("1gi")
            .unwrap_err()
            .to_string()
            .contains("case-sensitive")
    );
}

#[test]
fn values_compare_regardless_of_format() {
    let q = |s: &str| Quantity::parse(s).unwrap();
    assert_eq!(q("1Gi"), q("1073741824"));
    assert_eq!(q("1k"), q("1e3"));
    assert_eq!(q("500m"), q("0.5"));
    assert!(q("800m") < q("1"));
    assert!(q("800m") > q("79e-2"));
    assert!(q("-1") < q("0"));
    assert!(q("1Ki") > q("1k"));
}

#[test]
fn addition_is_exact_and_keeps_the_left_format() {
    let q = |s: &str| Quantity::parse(s).unwrap();
    assert_eq!(
        q("1Gi").checked_add(&q("512Mi")).unwrap().to_string(),
        "1536Mi"
    );
    assert_eq!(q("100m").checked_add(&q("900m")).unwrap().to_string(), "1");
    assert_eq!(q("0.1").checked_add(&q("0.2")).unwrap(), q("300m"));
    assert_eq!(q("0").checked_add(&q("1Ki")).unwrap().to_string(), "1Ki");
    assert_eq!(q("1k").checked_add(&q("24")).unwrap().to_string(), "1024");
    let big = Quantity::parse("100000000000000000000000000000").unwrap();
    assert!(matches!(
        big.checked_add(&big),
        Err(QuantityError::Overflow { .. })
    ));
}

#[test]
fn extreme_sums_still_print() {
    let q = Quantity {
        nanos: i128::MIN,
        format: Bin,
    };
    let shown = q.to_string();
    assert!(shown.starts_with('-') && shown.ends_with('n'), "{shown}");
    let max = Quantity {
        nanos: i128::MAX,
        format: Exp,
    };
    assert_eq!(Quantity::parse(&max.to_string()).unwrap(), max);
}

#[test]
fn constructors_print_like_the_seed_limit_range() {
    assert_eq!(Quantity::new_milli(800).to_string(), "800m");
    assert_eq!(Quantity::new_milli(500).to_string(), "500m");
    assert_eq!(Quantity::new_binary(512 << 20).to_string(), "512Mi");
    assert_eq!(Quantity::new_binary(256 << 20).to_string(), "256Mi");
    assert_eq!(Quantity::new_decimal(2).to_string(), "2");
    assert_eq!(Quantity::ZERO.to_string(), "0");
}

#[test]
fn serde_accepts_strings_and_numbers() {
    let q: Quantity = serde_json::from_str("\"1.5Gi\"").unwrap();
    assert_eq!(serde_json::to_string(&q).unwrap(), "\"1536Mi\"");
    let n: Quantity = serde_json::from_str("2").unwrap();
    assert_eq!(n.to_string(), "2");
    let f: Quantity = serde_json::from_str("0.5").unwrap();
    assert_eq!(f.to_string(), "500m");
    assert!(serde_json::from_str::<Quantity>("\"2GB\"").is_err());
    let k = k8s_openapi::apimachinery::pkg::api::resource::Quantity::from(&q);
    assert_eq!(k.0, "1536Mi");
    assert_eq!(Quantity::try_from(&k).unwrap(), q);
}

fn suffix_strategy() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "e3",
        "E-3", "e+6", "e0", "e-9", "e12",
    ])
}

proptest! {
    #[test]
    fn display_parses_back_to_the_same_value(
        nanos in -(10i128.pow(27))..10i128.pow(27),
        format in prop::sample::select(vec![Dec, Bin, Exp]),
    ) {
        let q = Quantity { nanos, format };
        let shown = q.to_string();
        let back = Quantity::parse(&shown).unwrap();
        prop_assert_eq!(back, q);
        prop_assert_eq!(back.to_string(), shown);
    }

    #[test]
    fn grammar_inputs_parse_and_canonicalise_idempotently(
        sign in prop::sample::select(vec!["", "+", "-"]),
        int in "[0-9]{0,6}",
        frac in prop::option::of("[0-9]{0,6}"),
        suffix in suffix_strategy(),
    ) {
        prop_assume!(!int.is_empty() || frac.as_deref().is_some_and(|f| !f.is_empty()));
        let input = match &frac {
            Some(f) => format!("{sign}{int}.{f}{suffix}"),
            None => format!("{sign}{int}{suffix}"),
        };
        let q = Quantity::parse(&input).unwrap();
        let canonical = q.to_string();
        let back = Quantity::parse(&canonical).unwrap();
        prop_assert_eq!(back, q);
        prop_assert_eq!(back.to_string(), canonical.clone());
        prop_assert!(!canonical.contains('.'));
    }

    #[test]
    fn addition_matches_integer_arithmetic(a in -10i64.pow(12)..10i64.pow(12), b in -10i64.pow(12)..10i64.pow(12)) {
        let sum = Quantity::new_milli(a).checked_add(&Quantity::new_milli(b)).unwrap();
        prop_assert_eq!(sum, Quantity::new_milli(a + b));
    }

    #[test]
    fn parse_never_panics(s in "\\PC{0,24}") {
        let _ = Quantity::parse(&s);
    }
}
