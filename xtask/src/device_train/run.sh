#!/usr/bin/env bash
# Written by `cargo xtask device-train pack`. Runs on the GPU machine, from the repository root:
#   bash target/device-train/run.sh check   # 3 small iterations on the first part's images: the
#                                           # binary, its libtorch and CUDA work together; on CUDA
#                                           # also s/iteration at the recipe's size in fp32 and bf16
#   bash target/device-train/run.sh parts   # the parts carried so far (the middle calls)
#   bash target/device-train/run.sh train   # the default recipe for ADAIN_MINUTES minutes (packed:
#                                           # {{MINUTES}}; a resume when a run is already there),
#                                           # results into $OUT
# ADAIN_PRECISION picks the convolutions' precision for train (unset: auto, fp32 on CUDA, for a new
# run; a resumed run keeps its own). PYTHON (the
# interpreter whose torch is loaded) and ADAIN_DEVICE (cuda) may be overridden, so the same script
# is tried on the CPU where the bundle is made.
set -euo pipefail
bundle=target/device-train
if [ ! -f "$bundle/adain-train" ] || [ ! -d "$bundle/part-1" ]; then
  echo "run.sh: $bundle lacks the first call's files: the machine started bare, begin again with call 1" >&2
  exit 5
fi
chmod +x "$bundle/adain-train"
python=${PYTHON:-python3}
device=${ADAIN_DEVICE:-cuda}
minutes=${ADAIN_MINUTES:-{{MINUTES}}}

torch=$("$python" -c 'import os, torch; print(torch.__version__); print(os.path.dirname(torch.__file__))')
version=$(head -n1 <<<"$torch")
case "$version" in
  {{TORCH_VERSION}}*) ;;
  *) echo "run.sh: the bundle's adain-train is built for torch {{TORCH_VERSION}}; $python has torch $version" >&2; exit 3 ;;
esac
export LD_LIBRARY_PATH="$(tail -n1 <<<"$torch")/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
if ldd "$bundle/adain-train" | grep 'not found' >&2; then
  echo "run.sh: adain-train cannot load the libraries above (LD_LIBRARY_PATH=$LD_LIBRARY_PATH)" >&2
  exit 4
fi
train=("$bundle/adain-train" train --device "$device" --encoder models/default/encoder.onnx)

case "${1:-}" in
  check)
    rm -rf /tmp/adain-device-check
    "${train[@]}" --out /tmp/adain-device-check --iters 3 --batch 2 --resize 128 --crop 64 \
      --content-dir "$bundle/lists/check_content.tsv" --style-dir "$bundle/lists/check_style.tsv" \
      --init-decoder models/default/decoder.onnx --save-every 3 --quiet
    if [ "$device" != cpu ]; then
      for p in fp32 bf16; do # 30 iterations of the real batch; the last 10's time is the steady one
        rm -rf "/tmp/adain-device-speed-$p"
        "${train[@]}" --out "/tmp/adain-device-speed-$p" --iters 30 --batch 8 --resize 512 --crop 256 \
          --content-dir "$bundle/lists/check_content.tsv" --style-dir "$bundle/lists/check_style.tsv" \
          --init-decoder models/default/decoder.onnx --precision "$p" --save-every 30 --quiet
        echo "run.sh: $p, iterations 21-30: $(grep -o '"seconds_per_iteration":[0-9.e-]*' \
          "/tmp/adain-device-speed-$p/metrics.jsonl" | tail -n1)"
      done
    fi
    echo "run.sh: check passed (torch $version, device $device)"
    ;;
  parts) # a middle call: the parts carried so far are there
    du -sh "$bundle"/part-*
    ;;
  train)
    out=${OUT:?run.sh train writes its results into \$OUT}
    run=$bundle/run
    if [ -f "$run/checkpoint.safetensors" ]; then
      stage=(--resume)
    else
      stage=({{NEW_RUN_ARGS}})
    fi
    precision=()
    if [ -n "${ADAIN_PRECISION:-}" ]; then precision=(--precision "$ADAIN_PRECISION"); fi
    rc=0
    "${train[@]}" --out "$run" "${stage[@]}" "${precision[@]}" --iters {{ITERS}} \
      --max-minutes "$minutes" --save-every 1000 --quiet 2>&1 | tee "$out/train.log" || rc=$?
    # Whatever checkpoint there is comes back, also when training stopped with an error.
    if [ -f "$run/checkpoint.safetensors" ]; then
      (cd "$run" && sha256sum checkpoint.safetensors) >"$out/checkpoint.sha256"
      split -b 15M -d "$run/checkpoint.safetensors" "$out/checkpoint.safetensors.part-"
      cp "$run/config.json" "$run/metrics.jsonl" "$out/"
    fi
    exit "$rc"
    ;;
  *)
    echo "usage: bash $bundle/run.sh check|parts|train" >&2
    exit 2
    ;;
esac
