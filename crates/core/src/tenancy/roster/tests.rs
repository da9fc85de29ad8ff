//! Roster parsing: line numbers, every bad row, forgiving headers, round trips.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;

const CSV: &str = "user,profile,role,quota,limit_range\n\
    alice@example.com,,owner,cpu=8;memory=16Gi,true\n\
    # a comment\n\
    bob@example.com,alice,edit,,\n\
    group:ml-leads,alice,admin,,\n\
    auditor@example.com,*,view,,\n";

#[test]
fn csv_rows_become_entries_with_real_line_numbers() {
    let (entries, warnings) = parse_roster(CSV, RosterFormat::Csv).unwrap();
    assert!(warnings.is_empty());
    assert_eq!(entries.len(), 4);
    assert_eq!(entries[0].profile(), "alice");
    assert!(
        matches!(&entries[0].grant, Grant::Owner { quota: Some(q), limit_range: true, .. } if q.len() == 2)
    );
    assert_eq!(entries[1].line, 4);
    assert!(matches!(entries[2].subject, Subject::Group(_)));
    assert!(matches!(
        entries[3].grant,
        Grant::ClusterWide { role: Role::View }
    ));
}

/// `email` is the `user` column, a misspelt column gets a suggestion, an exact repeat is
/// one error (not one per rule it trips), a YAML error carries its own line.
#[test]
fn roster_reading_is_forgiving_where_it_can_be_and_precise_where_not() {
    let text = "email,profile,role\nana@example.com,ana,owner\n";
    let (entries, _) = parse_roster(text, RosterFormat::Csv).unwrap();
    assert_eq!(entries[0].user(), "ana@example.com");
    let yaml = "- email: ana@example.com\n  role: owner\n";
    assert_eq!(RosterFormat::sniff(yaml), RosterFormat::Yaml);
    assert_eq!(RosterFormat::sniff("# c\nuser,role\n"), RosterFormat::Csv);
    let (entries, _) = parse_roster(yaml, RosterFormat::Yaml).unwrap();
    assert_eq!(entries[0].user(), "ana@example.com");

    let errors = parse_roster("emial,role\na@x.io,owner\n", RosterFormat::Csv).unwrap_err();
    assert!(
        errors[0].message.contains("did you mean \"email\""),
        "{errors:?}"
    );
    let errors =
        parse_roster("user,email,role\na@x.io,a@x.io,owner\n", RosterFormat::Csv).unwrap_err();
    assert!(errors[0].message.contains("keep one"), "{errors:?}");

    let twice = "user,role\na@x.io,owner\na@x.io,owner\n";
    let errors = parse_roster(twice, RosterFormat::Csv).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        (errors[0].line, errors[0].message.as_str()),
        (3, "repeats line 2; remove one of the two")
    );

    let bad = "- user: a@x.io\n  role: owner\n- user: b@x.io\n  role: edit\n  profile: [oops\n";
    let errors = parse_roster(bad, RosterFormat::Yaml).unwrap_err();
    assert_eq!(errors[0].line, 5, "{errors:?}");
    assert!(!errors[0].message.contains('\n'), "{errors:?}");
}

#[test]
fn every_bad_row_is_reported() {
    let text = "user,profile,role,quota,limit_range\n\
        not-an-email,p,edit,,\n\
        ok@example.com,p,owner,cpu=lots,\n\
        ok2@example.com,Bad_Name,view,,\n\
        ok3@example.com,p,superuser,,\n\
        group:g,,owner,,\n\
        ok4@example.com,p,edit,cpu=1,\n\
        ok5@example.com,,edit,,\n\
        ok6@example.com,p,owner,,maybe\n";
    let errors = parse_roster(text, RosterFormat::Csv).unwrap_err();
    let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![2, 3, 4, 5, 6, 7, 8, 9], "{errors:?}");
    assert!(errors[3].message.contains("superuser"));
    assert!(errors[4].message.contains("group cannot own"));
}

#[test]
fn conflicting_rows_are_refused() {
    let text = "user,profile,role\n\
        a@example.com,p,owner\n\
        b@example.com,p,owner\n\
        c@example.com,p,edit\n\
        c@example.com,p,view\n";
    let errors = parse_roster(text, RosterFormat::Csv).unwrap_err();
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0].line, 3);
    assert!(errors[1].message.contains("line 4"));
}

#[test]
fn header_is_required_and_checked() {
    let e = parse_roster("alice@example.com,,owner\n", RosterFormat::Csv).unwrap_err();
    assert_eq!(e[0].line, 1);
    let e = parse_roster("user,role,team\n", RosterFormat::Csv).unwrap_err();
    assert!(e[0].message.contains("team"));
}

#[test]
fn yaml_accepts_quota_mappings_and_round_trips() {
    let text = "- user: alice@example.com\n  role: owner\n  quota:\n    cpu: 8\n    memory: 16Gi\n  limit_range: true\n- user: bob@example.com\n  profile: alice\n  role: view\n";
    let (entries, _) = parse_roster(text, RosterFormat::Yaml).unwrap();
    assert_eq!(entries[1].line, 7);
    for format in [RosterFormat::Csv, RosterFormat::Yaml] {
        let out = render_roster(&entries, format).unwrap();
        let (again, _) = parse_roster(&out, format).unwrap();
        let strip = |v: &[Entry]| -> Vec<(String, Grant)> {
            v.iter().map(|e| (e.user(), e.grant.clone())).collect()
        };
        assert_eq!(strip(&again), strip(&entries), "{out}");
    }
    let bad = parse_roster(
        "- user: x@example.com\n  role: owner\n- user: nope\n  role: view\n  profile: p\n",
        RosterFormat::Yaml,
    )
    .unwrap_err();
    assert_eq!(bad[0].line, 3);
}

/// An email may start with `#`, which the CSV reader takes for a comment: the exported row
/// must be quoted so it is read back, not skipped (the roster fuzz target's round trip).
#[test]
fn csv_export_of_a_hash_email_reads_back() {
    let text = "- user: \"#a@x.io\"\n  role: owner\n  profile: team\n";
    let (entries, _) = parse_roster(text, RosterFormat::Yaml).unwrap();
    let csv = render_roster(&entries, RosterFormat::Csv).unwrap();
    let (again, _) = parse_roster(&csv, RosterFormat::Csv).unwrap();
    assert_eq!(again.len(), 1, "{csv}");
    assert_eq!(again[0].user(), "#a@x.io");
}

mod round_trips {
    use proptest::prelude::*;

    use super::*;

    const USERS: &[&str] = &[
        "ana@example.com",
        "o'brien@example.ie",
        "ana+ml@example.com",
        "b.c-d_e@sub.example.org",
        "x@example.io",
    ];
    const ROLES: &[&str] = &["view", "edit", "admin"];
    const QUOTAS: &[&str] = &[
        "",
        "cpu=4",
        "cpu=500m;memory=8Gi",
        "requests.nvidia.com/gpu=2;pods=10",
    ];

    /// A roster: owners of distinct profiles, contributors to them, a cluster-wide row.
    fn roster() -> impl Strategy<Value = String> {
        (
            prop::collection::vec((0..USERS.len(), 0..QUOTAS.len(), any::<bool>()), 1..4),
            prop::collection::vec((0..USERS.len(), 0..3usize, 0..ROLES.len()), 0..6),
            prop::option::of((0..USERS.len(), 0..ROLES.len())),
        )
            .prop_map(|(owners, contributors, cluster_wide)| {
                let mut text = String::from("user,profile,role,quota,limit_range\n");
                for (i, (u, q, lr)) in owners.iter().enumerate() {
                    text.push_str(&format!(
                        "{},team-{i},owner,\"{}\",{}\n",
                        USERS[*u], QUOTAS[*q], lr
                    ));
                }
                for (u, p, r) in &contributors {
                    let p = p % owners.len();
                    text.push_str(&format!("{},team-{p},{},,\n", USERS[*u], ROLES[*r]));
                }
                if let Some((u, r)) = cluster_wide {
                    text.push_str(&format!("{},*,{},,\n", USERS[u], ROLES[r]));
                }
                text
            })
    }

    fn without_lines(entries: &[Entry]) -> Vec<Entry> {
        entries
            .iter()
            .cloned()
            .map(|mut e| {
                e.line = 0;
                e
            })
            .collect()
    }

    proptest! {
        /// export → import → export gives the same file and the same entries, in CSV and
        /// YAML alike.
        #[test]
        fn export_import_export_is_stable(text in roster()) {
            let parsed = parse_roster(&text, RosterFormat::Csv);
            // Repeated rows are refused by design; proptest fails if that is most cases.
            prop_assume!(parsed.is_ok());
            let (entries, _) = parsed.unwrap();
            for format in [RosterFormat::Csv, RosterFormat::Yaml] {
                let once = render_roster(&entries, format).unwrap();
                let (again, _) = parse_roster(&once, format).unwrap();
                prop_assert_eq!(without_lines(&again), without_lines(&entries));
                prop_assert_eq!(render_roster(&again, format).unwrap(), once);
            }
        }
    }
}
