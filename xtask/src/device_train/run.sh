#!/usr/bin/env bash
# Written by `cargo xtask device-train pack`. Runs on the GPU machine, from anywhere:
#   bash run.sh check        # 3 small iterations on CUDA (the binary, that machine's libtorch and
#                            # its GPU work together), then s/iteration of the recipe in fp32 and bf16
#   bash run.sh train [OUT]  # the default recipe for ADAIN_MINUTES minutes (packed: {{MINUTES}}),
#                            # resuming the run in run/ when there is one; results into OUT (out/)
# ADAIN_PRECISION=bf16 (or fp32) picks the convolutions' precision; unset, a new run takes auto
# (fp32 on CUDA) and a resumed one keeps its own. PYTHON names the interpreter whose torch is
# loaded (python3); ADAIN_DEVICE the device (cuda, or cuda:N, or cpu to try the bundle anywhere).
set -euo pipefail
cd "$(dirname "$0")"
python=${PYTHON:-python3}
device=${ADAIN_DEVICE:-cuda}
minutes=${ADAIN_MINUTES:-{{MINUTES}}}
split_mib=${ADAIN_SPLIT_MIB:-{{SPLIT_MIB}}}

torch=$("$python" -c 'import os, torch; print(torch.__version__); print(os.path.dirname(torch.__file__))')
version=$(head -n1 <<<"$torch")
case "$version" in
  {{TORCH_VERSION}}*) ;;
  *) echo "run.sh: adain-train here is built for torch {{TORCH_VERSION}}; $python has torch $version" >&2; exit 3 ;;
esac
export LD_LIBRARY_PATH="$(tail -n1 <<<"$torch")/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
chmod +x adain-train
if ldd adain-train | grep 'not found' >&2; then
  echo "run.sh: adain-train cannot load the libraries above (LD_LIBRARY_PATH=$LD_LIBRARY_PATH)" >&2
  exit 4
fi
train=(./adain-train train --device "$device" --encoder encoder.onnx)
check=(--content-dir lists/check_content.tsv --style-dir lists/check_style.tsv --init-decoder decoder.onnx --quiet)

case "${1:-}" in
  check)
    rm -rf /tmp/adain-device-check
    "${train[@]}" "${check[@]}" --out /tmp/adain-device-check --iters 3 --batch 2 --resize 128 --crop 64 --save-every 3
    if [ "$device" != cpu ]; then
      for p in fp32 bf16; do # 30 iterations of the recipe's batch; the last 10's time is the steady one
        rm -rf "/tmp/adain-device-speed-$p"
        "${train[@]}" "${check[@]}" --out "/tmp/adain-device-speed-$p" --iters 30 --batch 8 --resize 512 \
          --crop 256 --precision "$p" --save-every 30
        echo "run.sh: $p, iterations 21-30: $(grep -o '"seconds_per_iteration":[0-9.e-]*' \
          "/tmp/adain-device-speed-$p/metrics.jsonl" | tail -n1)"
      done
    fi
    echo "run.sh: check passed (torch $version, device $device)"
    ;;
  train)
    out=${2:-out}
    mkdir -p "$out"
    if [ -f run/checkpoint.safetensors ]; then
      stage=(--resume)
    else
      stage=({{NEW_RUN_ARGS}})
    fi
    precision=()
    if [ -n "${ADAIN_PRECISION:-}" ]; then precision=(--precision "$ADAIN_PRECISION"); fi
    rc=0
    "${train[@]}" --out run "${stage[@]}" "${precision[@]}" --iters {{ITERS}} --max-minutes "$minutes" \
      --save-every 1000 --quiet 2>&1 | tee "$out/train.log" || rc=$?
    # Whatever checkpoint there is goes out, also when training stopped with an error.
    if [ -f run/checkpoint.safetensors ]; then
      (cd run && sha256sum checkpoint.safetensors) >"$out/checkpoint.sha256"
      rm -f "$out"/checkpoint.safetensors*
      if [ "$split_mib" -gt 0 ]; then
        split -b "${split_mib}M" -d run/checkpoint.safetensors "$out/checkpoint.safetensors.part-"
      else
        cp run/checkpoint.safetensors "$out/"
      fi
      cp run/config.json run/metrics.jsonl "$out/"
      echo "run.sh: checkpoint, config and metrics in $out/ (copy it back, then device-train unpack)"
    fi
    exit "$rc"
    ;;
  *)
    echo "usage: bash run.sh check | bash run.sh train [OUT]" >&2
    exit 2
    ;;
esac
