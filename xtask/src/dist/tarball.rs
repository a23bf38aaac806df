//! What goes into the tarball, where, and writing it (gzip, atomically, with a .sha256 beside it).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use adain::package::DEFAULT_PACKAGE;
use adain_models::install_paths::{ONNX_RUNTIME_LIBRARY, ONNX_RUNTIME_VERSION};
use adain_models::manifest::{Manifest, MANIFEST_FILE};
use anyhow::{Context, Result};
use flate2::write::GzEncoder;
use flate2::Compression;
use indicatif::{ProgressBar, ProgressStyle};
use sha2::{Digest, Sha256};

/// The sources of everything the tarball holds.
pub struct Contents {
    /// Name of the single top-level folder.
    pub top: String,
    pub binary: PathBuf,
    pub runtime: PathBuf,
    pub runtime_licenses: Vec<PathBuf>,
    /// Model package folder, shipped as `models/default`.
    pub package: PathBuf,
    /// The package's graphs (relative paths, as the manifest lists them).
    pub package_files: Vec<String>,
    pub readme: String,
}

/// One file of the tarball.
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
            path: at("adain"),
            source: Source::File(c.binary.clone()),
            mode: 0o755,
        },
        Entry {
            path: at(ONNX_RUNTIME_LIBRARY),
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
    for license in &c.runtime_licenses {
        let name = license
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        entries.push(Entry {
            path: at(&format!("licenses/onnxruntime/{name}")),
            source: Source::File(license.clone()),
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

/// Writes the tarball to `path` (through a temporary file, renamed at the end) and `path.sha256`.
pub fn write(contents: &Contents, path: &Path) -> Result<Written> {
    let entries = layout(contents);
    let dir = path.parent().context("the tarball path has no folder")?;
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
    let mtime = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut builder = tar::Builder::new(GzEncoder::new(
        BufWriter::new(tmp.as_file()),
        Compression::default(),
    ));
    let mut folders: Vec<String> = Vec::new();
    for entry in &entries {
        // Folders first, so the archive unpacks with sane permissions whatever the tool.
        let mut parts: Vec<&str> = entry.path.split('/').collect();
        parts.pop();
        for depth in 1..=parts.len() {
            let folder = parts[..depth].join("/");
            if !folders.contains(&folder) {
                append(
                    &mut builder,
                    &format!("{folder}/"),
                    tar::EntryType::Directory,
                    0o755,
                    mtime,
                    0,
                    std::io::empty(),
                )?;
                folders.push(folder);
            }
        }
        bar.set_message(entry.path.clone());
        match &entry.source {
            Source::File(p) => {
                let file = File::open(p).with_context(|| format!("opening {}", p.display()))?;
                let size = file.metadata()?.len();
                append(
                    &mut builder,
                    &entry.path,
                    tar::EntryType::Regular,
                    entry.mode,
                    mtime,
                    size,
                    bar.wrap_read(file),
                )?;
            }
            Source::Text(text) => {
                append(
                    &mut builder,
                    &entry.path,
                    tar::EntryType::Regular,
                    entry.mode,
                    mtime,
                    text.len() as u64,
                    text.as_bytes(),
                )?;
                bar.inc(text.len() as u64);
            }
        }
    }
    let mut file = builder.into_inner()?.finish()?;
    file.flush()?;
    drop(file);
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
    std::fs::write(&sum_file, format!("{sha256}  {name}\n"))
        .with_context(|| format!("writing {}", sum_file.display()))?;
    Ok(Written {
        bytes: bytes.len() as u64,
        files: entries.len(),
        sha256,
    })
}

fn append<W: Write>(
    builder: &mut tar::Builder<W>,
    path: &str,
    kind: tar::EntryType,
    mode: u32,
    mtime: u64,
    size: u64,
    data: impl std::io::Read,
) -> Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_mtime(mtime);
    header.set_size(size);
    header.set_uid(0);
    header.set_gid(0);
    builder
        .append_data(&mut header, path, data)
        .with_context(|| format!("adding {path} to the tarball"))?;
    Ok(())
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

/// The tarball's README: what is inside and how to use it.
pub fn readme(release: &str, manifest: &Manifest, glibc: Option<&str>) -> String {
    let glibc = glibc
        .map(|g| format!(" with glibc {g} or newer"))
        .unwrap_or_default();
    let iterations = manifest
        .provenance
        .get("iterations")
        .map(|i| format!(", decoder trained for {i} iterations"))
        .unwrap_or_default();
    format!(
        "# {release}

Arbitrary style transfer with adaptive instance normalisation (AdaIN; Huang & Belongie, ICCV 2017).
Nothing to install: `adain` loads the ONNX Runtime library and the default model from its own folder.
Needs x86_64 Linux{glibc}; runs on the CPU.

```sh
./adain stylize photo.jpg --style painting.jpg -o out.png
./adain stylize photos/ --style paintings/ -o results/          # every content × style pair
./adain stylize photo.jpg --style a.jpg --style b.jpg --weights 0.3,0.7 -o mix.png
./adain stylize photo.jpg --style a.jpg --alpha 0.5 --preserve-color -o soft.png
./adain stylize photo.jpg --style a.jpg --style b.jpg --mask left.png --mask right.png -o split.png
./adain stats paintings/*.jpg -o impressionism.safetensors       # average style statistics
./adain stylize photo.jpg --style-stats impressionism.safetensors -o out.png
./adain info                                                     # runtime, providers, model checks
```

`./adain <command> --help` documents every flag. Results have exactly the content's size.

## Contents

| path | what |
|---|---|
| `adain` | the command |
| `{ONNX_RUNTIME_LIBRARY}` | ONNX Runtime {ONNX_RUNTIME_VERSION}, CPU build, from the PyPI wheel `onnxruntime=={ONNX_RUNTIME_VERSION}` (MIT; `licenses/onnxruntime/`) |
| `{DEFAULT_PACKAGE}/` | the model `{name}` {version}{iterations}: `encoder.onnx` ({arch}, {source}), `decoder.onnx`, and `manifest.json` with checksums and provenance |

Another model package can take the place of `{DEFAULT_PACKAGE}`, or be picked with `--model DIR`.
",
        name = manifest.name,
        version = manifest.version,
        arch = manifest.encoder.architecture,
        source = manifest.encoder.source,
    )
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

    #[test]
    fn layout_matches_where_the_binary_looks() {
        let c = Contents {
            top: "adain-1-x".into(),
            binary: "b/adain".into(),
            runtime: "c/lib.so".into(),
            runtime_licenses: vec!["c/LICENSE".into()],
            package: "m".into(),
            package_files: vec!["encoder.onnx".into(), "decoder.onnx".into()],
            readme: "hi".into(),
        };
        let paths: Vec<String> = layout(&c).into_iter().map(|e| e.path).collect();
        let folder_of = |p: &str| Path::new(p).parent().unwrap().to_path_buf();
        // The runtime sits in the binary's folder; the package at models/default below it.
        assert_eq!(folder_of(&paths[0]), folder_of(&paths[1]));
        assert!(paths[1].ends_with(ONNX_RUNTIME_LIBRARY));
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
    }
}
