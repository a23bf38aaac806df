"""Checks a Triton model repository written by `adain export-triton` against Triton's own schema.

Every config.pbtxt is parsed with protobuf's text format into `inference.ModelConfig`, taken from the
`tritonclient` wheel's generated module (strict: an unknown field or a wrong type is an error). Then
the repository must hold together: names match folders, each graph has its version folder, and the
ensemble's steps name existing models, feed only existing inputs and read only existing outputs.

Usage: python check_repository.py REPO     (prints a JSON summary; exit 1 with the reason on failure)
       python check_repository.py --self-test   (shows that a misspelled field is refused)
"""

import importlib.util
import json
import os
import sys

import tritonclient
from google.protobuf import text_format


def schema():
    # By file: importing tritonclient.grpc would need grpcio, which the schema does not.
    path = os.path.join(os.path.dirname(tritonclient.__file__), "grpc", "model_config_pb2.py")
    spec = importlib.util.spec_from_file_location("model_config_pb2", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse(pb2, path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        return text_format.Parse(text, pb2.ModelConfig())
    except text_format.ParseError as e:
        raise SystemExit(f"{path}: not a valid Triton model configuration: {e}")


def check(repo):
    pb2 = schema()
    configs = {}
    for name in sorted(os.listdir(repo)):
        path = os.path.join(repo, name, "config.pbtxt")
        if not os.path.isfile(path):
            raise SystemExit(f"{os.path.join(repo, name)}: no config.pbtxt")
        config = parse(pb2, path)
        if config.name != name:
            raise SystemExit(f"{path}: name {config.name!r} differs from its folder {name!r}")
        configs[name] = config

    summary = {}
    for name, config in configs.items():
        inputs = {t.name for t in config.input}
        outputs = {t.name for t in config.output}
        if config.platform == "ensemble":
            available = set(inputs)
            for step in config.ensemble_scheduling.step:
                model = configs.get(step.model_name)
                if model is None:
                    raise SystemExit(f"{name}: step model {step.model_name!r} is not in the repository")
                model_inputs = {t.name for t in model.input}
                model_outputs = {t.name for t in model.output}
                for model_input, tensor in step.input_map.items():
                    if model_input not in model_inputs:
                        raise SystemExit(f"{name}: {step.model_name} has no input {model_input!r}")
                    if tensor not in available:
                        raise SystemExit(f"{name}: {tensor!r} is used before any step makes it")
                missing = model_inputs - set(step.input_map)
                if missing:
                    raise SystemExit(f"{name}: {step.model_name} inputs {sorted(missing)} are not fed")
                for model_output, tensor in step.output_map.items():
                    if model_output not in model_outputs:
                        raise SystemExit(f"{name}: {step.model_name} has no output {model_output!r}")
                    available.add(tensor)
                if model.max_batch_size != config.max_batch_size:
                    raise SystemExit(f"{name}: max_batch_size differs from {step.model_name}'s")
            if not outputs <= available:
                raise SystemExit(f"{name}: outputs {sorted(outputs - available)} are made by no step")
            kind = "ensemble of " + " → ".join(s.model_name for s in config.ensemble_scheduling.step)
        else:
            if config.backend != "onnxruntime":
                raise SystemExit(f"{name}: backend {config.backend!r}, expected onnxruntime")
            graph = os.path.join(repo, name, "1", "model.onnx")
            if not os.path.isfile(graph):
                raise SystemExit(f"{graph}: missing")
            accelerators = [a.name for a in config.optimization.execution_accelerators.gpu_execution_accelerator]
            kind = "onnxruntime" + (f" + {', '.join(accelerators)}" if accelerators else "")
        summary[name] = {
            "kind": kind,
            "max_batch_size": config.max_batch_size,
            "dynamic_batching": config.HasField("dynamic_batching"),
            "inputs": sorted(inputs),
            "outputs": sorted(outputs),
        }
    print(json.dumps(summary, indent=2, ensure_ascii=False))


def self_test():
    pb2 = schema()
    text_format.Parse('name: "m"\nmax_batch_size: 8\n', pb2.ModelConfig())
    try:
        text_format.Parse('name: "m"\nmax_batch_sise: 8\n', pb2.ModelConfig())
    except text_format.ParseError as e:
        print(f"refused as expected: {e}")
        return
    raise SystemExit("a misspelled field was accepted: the schema check would prove nothing")


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        self_test()
    elif len(sys.argv) == 2:
        check(sys.argv[1])
    else:
        raise SystemExit(__doc__)
