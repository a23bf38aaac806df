//! The README.md inside each release archive: the platform it needs, how to run it, what is inside.

use adain::package::DEFAULT_PACKAGE;
use adain_models::install_paths::{ONNX_RUNTIME_VERSION, OPENVINO_EP_VERSION, OPENVINO_FOLDER};
use adain_models::manifest::Manifest;

use crate::target::Target;

/// What the archive needs from the machine it runs on.
fn requirement(target: Target, glibc: Option<&str>) -> String {
    let glibc = glibc
        .map(|g| format!(" with glibc {g} or newer"))
        .unwrap_or_default();
    match target {
        Target::LinuxX86_64 => format!(
            "Needs x86_64 Linux{glibc} (Debian 10, Ubuntu 18.10, RHEL 8 and later); runs on the CPU."
        ),
        Target::LinuxAarch64 => format!(
            "Needs 64-bit ARM Linux{glibc} (ARMv8-A: Graviton/Ampere servers, Raspberry Pi 4/5 with a \
             64-bit OS, Jetson); runs on the CPU."
        ),
        Target::WindowsX86_64 => "Needs 64-bit Windows 10 or newer with the Microsoft Visual C++ \
             2015-2022 Redistributable (x64), which ONNX Runtime's DLL links against (most machines have \
             it; otherwise install `vc_redist.x64.exe` from Microsoft); runs on the CPU."
            .to_string(),
    }
}

pub fn readme(target: Target, manifest: &Manifest, glibc: Option<&str>) -> String {
    let release = target.release_name();
    let (run, sep, shell, env) = match target {
        Target::WindowsX86_64 => (".\\adain.exe", "\\", "bat", "%ORT_DYLIB_PATH%"),
        _ => ("./adain", "/", "sh", "$ORT_DYLIB_PATH"),
    };
    let iterations = manifest
        .provenance
        .get("iterations")
        .map(|i| format!(", decoder trained for {i} iterations"))
        .unwrap_or_default();
    let library = target.library_names().pinned;
    format!(
        "# {release}

Arbitrary style transfer with adaptive instance normalisation (AdaIN; Huang & Belongie, ICCV 2017).
Nothing to install: `{binary}` loads the ONNX Runtime library and the default model from its own folder.
{requirement}

```{shell}
{run} stylize photo.jpg --style painting.jpg -o out.png
{run} stylize photos{sep} --style paintings{sep} -o results{sep}          # every content × style pair
{run} stylize photo.jpg --style a.jpg --style b.jpg --weights 0.3,0.7 -o mix.png
{run} stylize photo.jpg --style a.jpg --alpha 0.5 --preserve-color -o soft.png
{run} stylize photo.jpg --style a.jpg --style b.jpg --mask left.png --mask right.png -o split.png
{run} stats paintings{sep} -o impressionism.safetensors           # average style statistics
{run} stylize photo.jpg --style-stats impressionism.safetensors -o out.png
{run} info                                                     # runtime, providers, model checks
{run} --version                                                # release, commit, target, runtime
```

`{run} <command> --help` documents every flag. Results have exactly the content's size.

## Contents

| path | what |
|---|---|
| `{binary}` | the command, built for `{triple}` |
| `{library}` | ONNX Runtime {ONNX_RUNTIME_VERSION}, CPU build, from the PyPI wheel `onnxruntime=={ONNX_RUNTIME_VERSION}` for this platform (MIT; `licenses/onnxruntime/`) |
{openvino}| `{DEFAULT_PACKAGE}/` | the model `{name}` {version}{iterations}: `encoder.onnx` ({arch}, {source}), `decoder.onnx`, their fp16 and int8 variants, and `manifest.json` with checksums and provenance |

Another model package can take the place of `{DEFAULT_PACKAGE}`, or be picked with `--model DIR`. The
library is looked for next to `{binary}` first, then in the project cache, then at `{env}`;
`{run} info` says which file was loaded.
{openvino_use}",
        openvino = match crate::setup::openvino_ep::plugin_name(target) {
            Some(plugin) => format!(
                "| `{OPENVINO_FOLDER}/` | OpenVINO's execution provider for ONNX Runtime (`{plugin}`), with the OpenVINO runtime, its CPU plugin and oneTBB, from the PyPI wheel `onnxruntime-ep-openvino=={OPENVINO_EP_VERSION}` (MIT and Apache-2.0; `licenses/openvino/`) |\n"
            ),
            None => String::new(),
        },
        openvino_use = match crate::setup::openvino_ep::plugin_name(target) {
            Some(_) => format!(
                "\n`--ep openvino` runs the graphs with OpenVINO's CPU kernels from `{OPENVINO_FOLDER}/`; `--ep auto`
(the default) does so by itself on CPUs with AMX, where it is about twice as fast as the CPU provider.
Without `{OPENVINO_FOLDER}/` everything else works as before.
"
            ),
            None => String::new(),
        },
        binary = target.binary_name(),
        triple = target.triple(),
        requirement = requirement(target, glibc),
        name = manifest.name,
        version = manifest.version,
        arch = manifest.encoder.architecture,
        source = manifest.encoder.source,
    )
}
