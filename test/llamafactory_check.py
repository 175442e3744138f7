"""Loads a `thinksafe tis export --format llamafactory` folder with LLaMA-Factory's own code, no GPU.

LLaMA-Factory is not installed (it needs torch, transformers and datasets). This script takes its
source from a git snapshot at a pinned commit, at run time, into a temporary package, and runs the
pure-Python steps of `llamafactory-cli train YAML` that decide whether a dataset loads:

  REAL (LLaMA-Factory's code at the commit, unchanged):
    hparams/data_args.py       DataArguments built from the YAML (media_dir defaults to dataset_dir)
    data/parser.py             get_dataset_list: dataset_info.json lookup and DatasetAttr
    loader.py _load_single_dataset (extracted)   file lookup under dataset_dir, file-type check
    data/converter.py          align_dataset + SharegptDatasetConverter / OpenAIDatasetConverter:
                               role alternation, message count, media paths joined to media_dir
    mm_plugin.py MMPluginMixin._validate_messages (extracted): images vs <image> placeholders
  STAND-INS (named here, not LLaMA-Factory's):
    datasets.load_dataset("json") -> json.load of the file; Dataset.map -> a list comprehension
    logging -> a recorder (every warning is a failure); huggingface_hub, modelscope -> absent
    image decoding (PIL) -> the file's magic bytes must be PNG, JPEG, WebP or GIF
  NOT RUN: tokenizer, chat template rendering, image processor, training.

It also checks every key of the YAML against LLaMA-Factory's argument dataclasses (parsed from
hparams/*_args.py) and the keys its own example YAMLs use for transformers' TrainingArguments, and
that the YAML's template is registered in data/template.py with an image token.

Usage: python3 llamafactory_check.py --git-dir DIR --commit SHA --yaml FILE.yaml
Run it from the export folder, as the YAML's header says. Prints a JSON report; exit 0 when sound.
"""

import argparse
import ast
import dataclasses
import importlib
import json
import os
import re
import subprocess
import sys
import tempfile
import types

import yaml

PACKAGE = "llamafactory"


def git_show(git_dir, commit, path):
    return subprocess.run(["git", "--git-dir", git_dir, "show", f"{commit}:{path}"], check=True, capture_output=True, text=True).stdout


def git_ls(git_dir, commit, folder):
    out = subprocess.run(["git", "--git-dir", git_dir, "ls-tree", "-r", "--name-only", commit, folder], check=True, capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if line]


def segment(source, name, kind=(ast.FunctionDef, ast.ClassDef), within=None):
    """The source text of the top-level (or `within` class's) definition or assignment called `name`."""
    tree = ast.parse(source)
    body = tree.body
    if within:
        body = next(node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == within).body
    for node in body:
        if isinstance(node, kind) and getattr(node, "name", None) == name:
            return ast.get_source_segment(source, node)
        if kind == ast.Assign and isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.get_source_segment(source, node)
    raise LookupError(f"{name} not found")


class Recorder:
    """extras.logging stand-in: every message is kept; warnings fail the check."""

    def __init__(self):
        self.warnings = []

    def warning_rank0(self, message):
        self.warnings.append(str(message))

    warning_rank0_once = warning_rank0
    warning = warning_rank0

    def info_rank0(self, message):
        pass

    info = info_rank0


class ListDataset:
    """datasets.Dataset stand-in: rows in a list, map applies the function to each."""

    def __init__(self, rows):
        self.rows = rows

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)

    def select(self, indexes):
        return ListDataset([self.rows[i] for i in indexes])

    def map(self, function, batched=False, remove_columns=None, **kwargs):
        assert not batched
        return ListDataset([function(row) for row in self.rows])


def load_json_dataset(path=None, data_files=None, split=None, **kwargs):
    """datasets.load_dataset("json", data_files=...) stand-in: a JSON array or JSON lines, concatenated."""
    assert path == "json", f"the export's data file should load as json, LLaMA-Factory chose {path!r}"
    rows = []
    for file in data_files:
        with open(file, encoding="utf-8") as handle:
            text = handle.read()
        try:
            value = json.loads(text)
            rows.extend(value if isinstance(value, list) else [value])
        except json.JSONDecodeError:
            rows.extend(json.loads(line) for line in text.splitlines() if line.strip())
    return ListDataset(rows)


def build_package(root, git_dir, commit, recorder):
    """The modules LLaMA-Factory's data loading imports, real where they are pure Python."""
    src = "src/llamafactory"
    files = {
        "__init__.py": "",
        "extras/__init__.py": "",
        "extras/logging.py": "def get_logger(name=None):\n    return RECORDER\n",
        "extras/misc.py": "def use_modelscope():\n    return False\n\ndef use_openmind():\n    return False\n",
        "extras/constants.py": "import os\n"
        + "\n".join(segment(git_show(git_dir, commit, f"{src}/extras/constants.py"), name, ast.Assign) for name in ["DATA_CONFIG", "FILEEXT2TYPE", "IMAGE_PLACEHOLDER", "VIDEO_PLACEHOLDER", "AUDIO_PLACEHOLDER"])
        + "\n",
        "hparams/__init__.py": "",
        "hparams/data_args.py": git_show(git_dir, commit, f"{src}/hparams/data_args.py"),
        "data/__init__.py": "",
        "data/data_utils.py": "from enum import StrEnum, unique\n\n" + segment(git_show(git_dir, commit, f"{src}/data/data_utils.py"), "Role") + "\n",
        "data/parser.py": git_show(git_dir, commit, f"{src}/data/parser.py"),
        "data/converter.py": git_show(git_dir, commit, f"{src}/data/converter.py"),
    }
    for relative, text in files.items():
        path = os.path.join(root, PACKAGE, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    hub = types.ModuleType("huggingface_hub")

    def hf_hub_download(*args, **kwargs):
        raise RuntimeError("offline: the export must not need the Hugging Face Hub")

    hub.hf_hub_download = hf_hub_download
    sys.modules["huggingface_hub"] = hub
    sys.path.insert(0, root)
    import builtins

    builtins.RECORDER = recorder


def dataclass_fields(source):
    """Field names of every dataclass in a module's source (annotated class attributes)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    names.add(item.target.id)
    return names


def known_keys(git_dir, commit):
    keys = set()
    for name in ["model_args", "data_args", "finetuning_args", "training_args", "generating_args"]:
        keys |= dataclass_fields(git_show(git_dir, commit, f"src/llamafactory/hparams/{name}.py"))
    # transformers' TrainingArguments is not in the snapshot: the keys LLaMA-Factory's own training
    # examples use are the ones its authors run.
    for path in git_ls(git_dir, commit, "examples/train_lora") + git_ls(git_dir, commit, "examples/train_full"):
        if path.endswith(".yaml"):
            keys |= set((yaml.safe_load(git_show(git_dir, commit, path)) or {}).keys())
    return keys


IMAGE_MAGIC = [b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF8"]


def is_image(path):
    with open(path, "rb") as handle:
        head = handle.read(16)
    return any(head.startswith(m) for m in IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--git-dir", required=True)
    parser.add_argument("--commit", required=True)
    parser.add_argument("--yaml", required=True)
    args = parser.parse_args()

    problems = []
    recorder = Recorder()
    with open(args.yaml, encoding="utf-8") as handle:
        config = yaml.safe_load(handle)

    unknown = sorted(set(config) - known_keys(args.git_dir, args.commit))
    if unknown:
        problems.append(f"keys LLaMA-Factory does not know: {unknown}")
    template_source = git_show(args.git_dir, args.commit, "src/llamafactory/data/template.py")
    block = re.search(r'register_template\(\s*name="' + re.escape(config["template"]) + r'",(?:(?!register_template\().)*', template_source, re.S)
    if not block:
        problems.append(f"template {config['template']!r} is not registered")
    elif "image_token=" not in block.group(0):
        problems.append(f"template {config['template']!r} takes no images")

    with tempfile.TemporaryDirectory() as root:
        build_package(root, args.git_dir, args.commit, recorder)
        data_args_module = importlib.import_module(f"{PACKAGE}.hparams.data_args")
        parser_module = importlib.import_module(f"{PACKAGE}.data.parser")
        converter = importlib.import_module(f"{PACKAGE}.data.converter")
        constants = importlib.import_module(f"{PACKAGE}.extras.constants")
        DataArguments = data_args_module.DataArguments
        fields = {f.name for f in dataclasses.fields(DataArguments)}
        data_args = DataArguments(**{k: v for k, v in config.items() if k in fields})

        namespace = {
            "os": os,
            "np": importlib.import_module("numpy"),
            "FILEEXT2TYPE": constants.FILEEXT2TYPE,
            "logger": recorder,
            "load_dataset": load_json_dataset,
            "align_dataset": converter.align_dataset,
            "check_version": lambda *a, **k: None,
            "read_cloud_json": None,
            "Dataset": ListDataset,
            "Union": __import__("typing").Union,
            "Optional": __import__("typing").Optional,
            "Literal": __import__("typing").Literal,
        }
        loader_source = git_show(args.git_dir, args.commit, "src/llamafactory/data/loader.py")
        exec(segment(loader_source, "_load_single_dataset"), namespace)
        plugin_source = git_show(args.git_dir, args.commit, "src/llamafactory/data/mm_plugin.py")
        exec(segment(plugin_source, "_validate_messages", within="MMPluginMixin"), {**vars(constants), "Optional": namespace["Optional"]}, namespace)

        model_args = types.SimpleNamespace(cache_dir=None, hf_hub_token=None, ms_hub_token=None, om_hub_token=None)
        training_args = types.SimpleNamespace(local_process_index=0, dataloader_num_workers=0, seed=42)
        examples = images = 0
        for attr in parser_module.get_dataset_list(data_args.dataset, data_args.dataset_dir):
            dataset = namespace["_load_single_dataset"](attr, model_args, data_args, training_args)
            for i, example in enumerate(dataset):
                examples += 1
                if not example["_prompt"] or len(example["_response"]) != 1:
                    problems.append(f"{attr}: example {i + 1} was dropped as abnormal")
                    continue
                medias = example["_images"] or []
                for path in medias:
                    images += 1
                    if not os.path.isfile(path):
                        problems.append(f"{attr}: example {i + 1}: image {path} not found (media_dir {data_args.media_dir!r}, cwd {os.getcwd()})")
                    elif not is_image(path):
                        problems.append(f"{attr}: example {i + 1}: {path} is not an image")
                try:
                    namespace["_validate_messages"](None, example["_prompt"] + example["_response"], medias, [], [])
                except ValueError as error:
                    problems.append(f"{attr}: example {i + 1}: {error}")
    problems.extend(f"LLaMA-Factory warned: {w}" for w in recorder.warnings)
    print(json.dumps({"commit": args.commit, "yaml": args.yaml, "dataset_dir": data_args.dataset_dir, "media_dir": data_args.media_dir, "examples": examples, "images": images, "problems": problems}))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
