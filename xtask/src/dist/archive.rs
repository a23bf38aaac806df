//! What goes into a release archive, where, and writing it: a gzipped tar or a zip, written
//! atomically with a .sha256 beside it, and reproducible — the same inputs give the same bytes
//! (entries in layout order, one timestamp for all, owner root, fixed modes, no gzip name or time).

use std::fs::File;
use std::io::{BufWriter, Seek, Write};
use std::path::{Path, PathBuf};

use adain::package::DEFAULT_PACKAGE;
use adain_models::install_paths::OPENVINO_FOLDER;
use adain_models::manifest::MANIFEST_FILE;
use anyhow::{Context, Result};
use flate2::write::GzEncoder;
use flate2::Compression;
use indicatif::{ProgressBar, ProgressStyle};
use sha2::{Digest, Sha256};

/// The sources of everything the archive holds.
pub struct Contents {
    /// Name of the single top-level folder.
    pub top: String,
    pub binary: PathBuf,
    /// File name of the binary inside the archive (`adain`, `adain.exe`).
    pub binary_name: String,
    pub runtime: PathBuf,
    /// File name of the runtime library inside the archive (what the binary looks for first).
    pub runtime_name: String,
    pub runtime_licenses: Vec<PathBuf>,
    /// OpenVINO's plugin and what it loads (x86-64 Linux and Windows), for `--ep openvino`.
    pub openvino: Option<crate::setup::openvino_ep::PluginFiles>,
    /// Model package folder, shipped as `models/default`.
    pub package: PathBuf,
    /// The package's graphs (relative paths, as the manifest lists them).
    pub package_files: Vec<String>,
    pub readme: String,
    /// Modification time of every entry (seconds since 1970): the commit's time, so rebuilding a
    /// commit gives the same archive.
    pub mtime: u64,
}

/// One file of the archive.
#[derive(Debug, PartialEq)]
pub struct Entry {
    /// Path inside the archive.
    pub path: String,
    pub source: Source,
    pub mode: u32,
}

#[derive(Debug, PartialEq)]
pub enum Source {
    File(PathBuf),
    Text(String),
}

/// The layout: the binary and the runtime library side by side (the binary loads the library from
/// its own folder), the model package at `models/default` below that folder (where the binary looks
/// for its default model first).
pub fn layout(c: &Contents) -> Vec<Entry> {
    let at = |rel: &str| format!("{}/{rel}", c.top);
    let mut entries = vec![
        Entry {
            path: at(&c.binary_name),
            source: Source::File(c.binary.clone()),
            mode: 0o755,
        },
        Entry {
            path: at(&c.runtime_name),
            source: Source::File(c.runtime.clone()),
            mode: 0o755,
        },
        Entry {
            path: at("README.md"),
            source: Source::Text(c.readme.clone()),
            mode: 0o644,
        },
    ];
    for file in std::iter::once(MANIFEST_FILE).chain(c.package_files.iter().map(String::as_str)) {
        entries.push(Entry {
            path: at(&format!("{DEFAULT_PACKAGE}/{file}")),
            source: Source::File(c.package.join(file)),
            mode: 0o644,
        });
    }
    let name_of = |p: &Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    for license in &c.runtime_licenses {
        entries.push(Entry {
            path: at(&format!("licenses/onnxruntime/{}", name_of(license))),
            source: Source::File(license.clone()),
            mode: 0o644,
        });
    }
    // The plugin and its libraries in one folder beside the binary, where `--ep openvino` looks.
    if let Some(openvino) = &c.openvino {
        for library in &openvino.libraries {
            entries.push(Entry {
                path: at(&format!("{OPENVINO_FOLDER}/{}", name_of(library))),
                source: Source::File(library.clone()),
                mode: 0o755,
            });
        }
        entries.push(Entry {
            path: at(&format!("licenses/openvino/{}", name_of(&openvino.notices))),
            source: Source::File(openvino.notices.clone()),
            mode: 0o644,
        });
        entries.push(Entry {
            path: at("licenses/openvino/README.txt"),
            source: Source::Text(crate::setup::openvino_ep::NOTICE.into()),
            mode: 0o644,
        });
    }
    entries
}

/// What [`write`] produced.
pub struct Written {
    pub bytes: u64,
    pub files: usize,
    pub sha256: String,
}

/// Writes the archive to `path` (through a temporary file, renamed at the end) and `path.sha256`:
/// a zip when `path` ends in `.zip`, else a gzipped tar.
pub fn write(contents: &Contents, path: &Path) -> Result<Written> {
    let entries = layout(contents);
    let dir = path.parent().context("the archive path has no folder")?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let total: u64 = entries
        .iter()
        .map(|e| match &e.source {
            Source::File(p) => std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
            Source::Text(t) => t.len() as u64,
        })
        .sum();
    let bar = ProgressBar::new(total);
    bar.set_style(ProgressStyle::with_template(
        "packing {bar:30} {bytes}/{total_bytes} [{elapsed}] {wide_msg}",
    )?);

    let tmp = tempfile::NamedTempFile::new_in(dir)?;
    if path.extension().is_some_and(|e| e == "zip") {
        write_zip(&entries, contents.mtime, tmp.as_file(), &bar)?;
    } else {
        write_tar_gz(&entries, contents.mtime, tmp.as_file(), &bar)?;
    }
    bar.finish_and_clear();
    tmp.as_file().sync_all()?;
    // A temporary file is private (0600); a release is for everyone to read.
    std::fs::set_permissions(
        tmp.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )?;
    tmp.persist(path)
        .with_context(|| format!("writing {}", path.display()))?;

    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let sum_file = PathBuf::from(format!("{}.sha256", path.display()));
    adain_models::atomic_file::write(&sum_file, format!("{sha256}  {name}\n").as_bytes())
        .with_context(|| format!("writing {}", sum_file.display()))?;
    Ok(Written {
        bytes: bytes.len() as u64,
        files: entries.len(),
        sha256,
    })
}

/// The folders above each entry, each once, before the entry (so any tool unpacks with sane modes).
fn folders_before(entries: &[Entry]) -> Vec<(Vec<String>, &Entry)> {
    let mut seen: Vec<String> = Vec::new();
    entries
        .iter()
        .map(|entry| {
            let mut parts: Vec<&str> = entry.path.split('/').collect();
            parts.pop();
            let mut new = Vec::new();
            for depth in 1..=parts.len() {
                let folder = parts[..depth].join("/");
                if !seen.contains(&folder) {
                    seen.push(folder.clone());
                    new.push(folder);
                }
            }
            (new, entry)
        })
        .collect()
}

fn open_source<'a>(entry: &'a Entry) -> Result<(u64, Box<dyn std::io::Read + 'a>)> {
    Ok(match &entry.source {
        Source::File(p) => {
            let file = File::open(p).with_context(|| format!("opening {}", p.display()))?;
            (file.metadata()?.len(), Box::new(file))
        }
        Source::Text(text) => (text.len() as u64, Box::new(text.as_bytes())),
    })
}

fn write_tar_gz(entries: &[Entry], mtime: u64, out: &File, bar: &ProgressBar) -> Result<()> {
    // GzEncoder::new writes no file name and a zero timestamp in the gzip header.
    let mut builder =
        tar::Builder::new(GzEncoder::new(BufWriter::new(out), Compression::default()));
    for (folders, entry) in folders_before(entries) {
        for folder in folders {
            let mut header = tar_header(tar::EntryType::Directory, 0o755, mtime, 0);
            builder
                .append_data(&mut header, format!("{folder}/"), std::io::empty())
                .with_context(|| format!("adding {folder}/"))?;
        }
        bar.set_message(entry.path.clone());
        let (size, data) = open_source(entry)?;
        let mut header = tar_header(tar::EntryType::Regular, entry.mode, mtime, size);
        builder
            .append_data(&mut header, &entry.path, bar.wrap_read(data))
            .with_context(|| format!("adding {} to the archive", entry.path))?;
    }
    let mut file = builder.into_inner()?.finish()?;
    file.flush()?;
    Ok(())
}

fn tar_header(kind: tar::EntryType, mode: u32, mtime: u64, size: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_mtime(mtime);
    header.set_size(size);
    header.set_uid(0);
    header.set_gid(0);
    header
}

fn write_zip(entries: &[Entry], mtime: u64, out: &File, bar: &ProgressBar) -> Result<()> {
    let mut zip = zip::ZipWriter::new(BufWriter::new(out));
    let time = zip_time(mtime)?;
    let options = |mode: u32| {
        zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(time)
            .unix_permissions(mode)
            .large_file(false)
    };
    for (folders, entry) in folders_before(entries) {
        for folder in folders {
            zip.add_directory(format!("{folder}/"), options(0o755))?;
        }
        bar.set_message(entry.path.clone());
        let (_, mut data) = open_source(entry)?;
        zip.start_file(entry.path.as_str(), options(entry.mode))?;
        std::io::copy(&mut bar.wrap_read(&mut data), &mut zip)
            .with_context(|| format!("adding {} to the archive", entry.path))?;
    }
    let mut inner = zip.finish()?;
    inner.flush()?;
    inner.rewind()?;
    Ok(())
}

/// Zip keeps local time in MS-DOS fields (1980 to 2107, 2-second steps); the UTC date of `mtime`.
fn zip_time(mtime: u64) -> Result<zip::DateTime> {
    let days = (mtime / 86_400) as i64;
    let secs = mtime % 86_400;
    let (year, month, day) = civil_from_days(days);
    let year = year.clamp(1980, 2107) as u16;
    zip::DateTime::from_date_and_time(
        year,
        month,
        day,
        (secs / 3600) as u8,
        (secs / 60 % 60) as u8,
        (secs % 60) as u8,
    )
    .map_err(|e| anyhow::anyhow!("no zip timestamp for {mtime}: {e}"))
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (eras of 400 years, March-based).
fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u8;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u8;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The newest `GLIBC_x.y` symbol version named in these ELF files (their .dynstr), e.g. "2.34": the
/// oldest glibc the tarball runs on.
pub fn glibc_requirement(files: &[&Path]) -> Result<Option<String>> {
    let mut newest: Option<Vec<u32>> = None;
    for file in files {
        let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        for (i, _) in bytes
            .windows(6)
            .enumerate()
            .filter(|(_, w)| *w == b"GLIBC_")
        {
            let tail = &bytes[i + 6..];
            let end = tail
                .iter()
                .position(|b| !(b.is_ascii_digit() || *b == b'.'))
                .unwrap_or(tail.len());
            let version: Vec<u32> = std::str::from_utf8(&tail[..end])
                .unwrap_or("")
                .split('.')
                .filter_map(|p| p.parse().ok())
                .collect();
            if version.len() >= 2 && newest.as_ref().is_none_or(|n| version > *n) {
                newest = Some(version);
            }
        }
    }
    Ok(newest.map(|v| v.iter().map(u32::to_string).collect::<Vec<_>>().join(".")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glibc_requirement_is_the_newest_symbol_version() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::write(&a, b"\0GLIBC_2.2.5\0GLIBC_2.34\0GLIBC_PRIVATE\0").unwrap();
        std::fs::write(&b, b"xGLIBC_2.28\0GLIBC_2.9\0").unwrap();
        assert_eq!(
            glibc_requirement(&[&a, &b]).unwrap().as_deref(),
            Some("2.34")
        );
        std::fs::write(&b, b"static").unwrap();
        assert_eq!(glibc_requirement(&[&b]).unwrap(), None);
    }

    fn contents(dir: &Path, top: &str) -> Contents {
        let file = |name: &str, text: &str| {
            let p = dir.join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        Contents {
            top: top.into(),
            binary: file("bin", "binary"),
            binary_name: "adain.exe".into(),
            runtime: file("lib", "library"),
            runtime_name: "onnxruntime.dll".into(),
            runtime_licenses: vec![file("LICENSE", "licence")],
            openvino: Some(crate::setup::openvino_ep::PluginFiles {
                libraries: vec![
                    file("plugin.dll", "plugin"),
                    file("openvino.dll", "runtime"),
                ],
                notices: file("third-party-programs.txt", "notices"),
            }),
            package: dir.to_path_buf(),
            package_files: vec!["encoder.onnx".into(), "decoder.onnx".into()],
            readme: "hi".into(),
            mtime: 1_764_547_200,
        }
    }

    #[test]
    fn layout_matches_where_the_binary_looks() {
        let c = contents(tempfile::tempdir().unwrap().path(), "adain-1-x");
        let paths: Vec<String> = layout(&c).into_iter().map(|e| e.path).collect();
        let folder_of = |p: &str| Path::new(p).parent().unwrap().to_path_buf();
        // The runtime sits in the binary's folder; the package at models/default below it.
        assert_eq!(folder_of(&paths[0]), folder_of(&paths[1]));
        assert!(paths[0].ends_with("/adain.exe"));
        assert!(paths[1].ends_with("/onnxruntime.dll"));
        for file in ["manifest.json", "encoder.onnx", "decoder.onnx"] {
            let expected = Path::new(&paths[0])
                .parent()
                .unwrap()
                .join("models/default")
                .join(file);
            assert!(
                paths.iter().any(|p| Path::new(p) == expected),
                "{file} missing from {paths:?}"
            );
        }
        assert!(paths.iter().all(|p| p.starts_with("adain-1-x/")));
        // OpenVINO's plugin with its libraries in openvino/ beside the binary, where the runtime
        // looks; its notices with the other licences.
        let beside = |rel: &str| folder_of(&paths[0]).join(rel);
        for rel in ["openvino/plugin.dll", "openvino/openvino.dll"] {
            assert!(
                paths.iter().any(|p| Path::new(p) == beside(rel)),
                "{rel}: {paths:?}"
            );
        }
        for rel in [
            "licenses/openvino/third-party-programs.txt",
            "licenses/openvino/README.txt",
        ] {
            assert!(
                paths.iter().any(|p| Path::new(p) == beside(rel)),
                "{rel}: {paths:?}"
            );
        }
        // Without the plugin (aarch64), none of it.
        let without = Contents {
            openvino: None,
            ..c
        };
        assert!(layout(&without)
            .iter()
            .all(|e| !e.path.contains("openvino")));
    }

    #[test]
    fn the_same_inputs_give_the_same_archive() {
        for format in ["tar.gz", "zip"] {
            let sums: Vec<String> = (0..2)
                .map(|i| {
                    // Other folders, other file times: only the contents and `mtime` count.
                    let dir = tempfile::tempdir().unwrap();
                    for name in ["manifest.json", "encoder.onnx", "decoder.onnx"] {
                        std::fs::write(dir.path().join(name), name).unwrap();
                    }
                    let c = contents(dir.path(), "adain-1-x");
                    if i == 1 {
                        std::thread::sleep(std::time::Duration::from_millis(1100));
                    }
                    let out = dir.path().join(format!("out/release.{format}"));
                    let written = write(&c, &out).unwrap();
                    let listed = std::fs::read_to_string(format!("{}.sha256", out.display()));
                    assert_eq!(
                        listed.unwrap(),
                        format!("{}  release.{format}\n", written.sha256)
                    );
                    written.sha256
                })
                .collect();
            assert_eq!(sums[0], sums[1], "{format}");
        }
    }

    #[test]
    fn zip_times_are_the_utc_date() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        // 2026-12-01T08:31:05Z
        let t = zip_time(1_796_113_865).unwrap();
        assert_eq!(
            (
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            ),
            (2026, 12, 1, 8, 31, 4)
        );
    }
}
