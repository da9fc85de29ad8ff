//! Packages the host archive with `.ci/package`, unpacks it the way krew does and checks that
//! the paths plugin.yaml names exist and that the packaged binary runs `version --client`.
//!
//! It packages the binary cargo already built for this test run (`--binary`), so the suite never
//! does a release build; `.ci/package` itself is the same script the release workflow runs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::krew_support::{Plugin, archive_name, check_manifest, load, print_report, repo_root};

/// The host as krew's (os, arch), or why this test cannot run here.
fn host_platform() -> Result<(&'static str, &'static str), String> {
    let os = match std::env::consts::OS {
        "linux" => "linux",
        "macos" => "darwin",
        other => return Err(format!("host OS {other} is not linux or macOS")),
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => return Err(format!("host arch {other} is not x86_64 or aarch64")),
    };
    Ok((os, arch))
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn package_cmd() -> Command {
    let mut cmd = Command::new("bash");
    cmd.arg(repo_root().join(".ci/package"))
        .env("CARGO", env!("CARGO"));
    cmd
}

fn sha256_file(path: &Path) -> String {
    let out = if Command::new("sha256sum").arg("--version").output().is_ok() {
        run(Command::new("sha256sum").arg(path))
    } else {
        run(Command::new("shasum").args(["-a", "256"]).arg(path))
    };
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

fn platform<'a>(plugin: &'a Plugin, os: &str, arch: &str) -> &'a crate::krew_support::Platform {
    plugin
        .spec
        .platforms
        .iter()
        .find(|p| p.os_arch() == (os.to_string(), arch.to_string()))
        .unwrap_or_else(|| panic!("plugin.yaml has no {os}/{arch} platform"))
}

#[test]
fn host_archive_installs_like_krew_and_runs() {
    let (os, arch) = match host_platform() {
        Ok(p) => p,
        Err(reason) => {
            println!("skipped: {reason}; .ci/package is exercised by release.yml on that platform");
            return;
        }
    };
    let version = format!("v{}", env!("CARGO_PKG_VERSION"));
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("dist");
    let manifest_out = tmp.path().join("plugin.yaml");
    let built = PathBuf::from(env!("CARGO_BIN_EXE_kubectl-kubeflow"));

    let out = run(package_cmd()
        .arg("--binary")
        .arg(&built)
        .arg("--out-dir")
        .arg(&out_dir)
        .arg("--manifest")
        .arg(&manifest_out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    print!("{stdout}");
    let (printed_sha, archive) = stdout
        .lines()
        .last()
        .and_then(|l| l.split_once("  "))
        .expect("last line: <sha256>  <path>");
    let archive = PathBuf::from(archive);

    // The archive is where the manifest's uri says, and the printed checksum is its sha256.
    let (plugin, _) = load(&repo_root().join("plugin.yaml"));
    let host = platform(&plugin, os, arch);
    let name = archive_name(&version, os, arch);
    assert_eq!(archive, out_dir.join(&name));
    assert!(
        host.uri.ends_with(&format!("/{name}")),
        "{} does not name {name}",
        host.uri
    );
    assert_eq!(printed_sha, sha256_file(&archive));

    // The manifest copy has this platform's checksum and version, passes the whole checklist, and
    // leaves the other platforms as plugin.yaml has them.
    let (filled, filled_raw) = load(&manifest_out);
    assert_eq!(filled.spec.version, version);
    assert_eq!(platform(&filled, os, arch).sha256, printed_sha);
    let failed = print_report(
        "packaged manifest validation:",
        &check_manifest(&filled, &filled_raw, &version),
    );
    assert!(failed.is_empty(), "{failed:?}");
    for p in filled
        .spec
        .platforms
        .iter()
        .filter(|p| p.os_arch() != (os.into(), arch.into()))
    {
        let (o, a) = p.os_arch();
        assert_eq!(
            p.sha256,
            platform(&plugin, &o, &a).sha256,
            "{o}/{a} changed"
        );
    }

    // Unpack as krew does, then apply the manifest's files operations into an install dir.
    let unpacked = tmp.path().join("unpacked");
    std::fs::create_dir(&unpacked).unwrap();
    run(Command::new("tar")
        .arg("-xzf")
        .arg(&archive)
        .arg("-C")
        .arg(&unpacked));
    let listing = run(Command::new("tar").arg("-tzvf").arg(&archive));
    println!(
        "archive listing:\n{}",
        String::from_utf8_lossy(&listing.stdout)
    );
    let mut entries: Vec<String> = std::fs::read_dir(&unpacked)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    assert_eq!(
        entries,
        ["LICENSE", "kubectl-kubeflow"],
        "unexpected archive contents"
    );

    let install = tmp.path().join("install");
    std::fs::create_dir(&install).unwrap();
    for f in host.files.as_deref().unwrap_or(&[]) {
        let from = unpacked.join(&f.from);
        assert!(from.exists(), "files.from {} is not in the archive", f.from);
        let to = install.join(&f.to).join(from.file_name().unwrap());
        std::fs::copy(&from, &to).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&from).unwrap().permissions().mode();
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(mode)).unwrap();
        }
    }
    let bin = install.join(&host.bin);
    assert!(
        bin.is_file(),
        "bin {} was not installed by the files operations",
        host.bin
    );
    assert!(
        install.join("LICENSE").is_file(),
        "LICENSE was not installed"
    );
    assert_eq!(
        std::fs::read(&bin).unwrap(),
        std::fs::read(&built).unwrap(),
        "the archive does not carry the built binary"
    );

    // The installed binary runs, exactly like the one cargo built.
    let installed = run(Command::new(&bin).args(["version", "--client"]));
    let reference = run(Command::new(&built).args(["version", "--client"]));
    assert_eq!(installed.stdout, reference.stdout);
    println!(
        "version --client: {}",
        String::from_utf8_lossy(&installed.stdout).trim()
    );
}

#[test]
fn fill_manifest_sets_each_listed_platform() {
    let tmp = tempfile::tempdir().unwrap();
    let version = format!("v{}", env!("CARGO_PKG_VERSION"));
    let sums = tmp.path().join("checksums.txt");
    let darwin = "a".repeat(64);
    let windows = "b".repeat(64);
    std::fs::write(
        &sums,
        format!(
            "{darwin}  dist/{}\n{windows} *{}\n",
            archive_name(&version, "darwin", "arm64"),
            archive_name(&version, "windows", "amd64")
        ),
    )
    .unwrap();
    let out = tmp.path().join("plugin.yaml");
    run(package_cmd().arg("--fill-manifest").arg(&sums).arg(&out));
    let (filled, _) = load(&out);
    let (plugin, _) = load(&repo_root().join("plugin.yaml"));
    assert_eq!(platform(&filled, "darwin", "arm64").sha256, darwin);
    assert_eq!(platform(&filled, "windows", "amd64").sha256, windows);
    assert_eq!(
        platform(&filled, "linux", "arm64").sha256,
        platform(&plugin, "linux", "arm64").sha256
    );

    // A checksum for an archive no platform names is an error, and nothing is written.
    std::fs::write(
        &sums,
        format!("{darwin}  kubectl-kubeflow_{version}_plan9_amd64.tar.gz\n"),
    )
    .unwrap();
    let bad_out = tmp.path().join("bad.yaml");
    let status = package_cmd()
        .arg("--fill-manifest")
        .arg(&sums)
        .arg(&bad_out)
        .output()
        .unwrap();
    assert!(!status.status.success());
    assert!(!bad_out.exists());
}
