"""Runs the official evaluators on thinksafe's differential cases and records their decisions.

The evaluators' code is read from git checkouts (bare or not) of the upstream repositories at their
HEAD, executed in memory, and never copied: this file holds only thinksafe's harness around it.
MMStar's code has no license; only its decisions are recorded.

    # 1. MMMU's validation items and example outputs (Apache-2.0) -> fixtures/mmmu-val-items.json
    python3 record-official.py mmmu-items --mmmu MMMU.git > fixtures/mmmu-val-items.json
    # 2. the cases, from the seed (differential/cases.ts), then the official decisions
    npx tsx differential/cases.ts > /tmp/cases.json
    python3 record-official.py decisions --cases /tmp/cases.json --mmmu MMMU.git --mmstar MMStar.git \
        --pope POPE.git --mm-vet MM-Vet.git > fixtures/official-decisions.json

Needs Python 3 with numpy (MMMU imports it); openai, pandas and tqdm, which MM-Vet's and MMStar's
modules import for I/O the harness replaces, are stubbed.
"""
import argparse
import contextlib
import io
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import types

import numpy

MMMU_UTILS = "mmmu/utils/eval_utils.py"
MMMU_ANSWERS = "mmmu/answer_dict_val.json"
MMMU_OUTPUTS = "mmmu/example_outputs"
MMSTAR_EVAL = "eval/vlmeval/evaluate/mmstar.py"
POPE_EVAL = "evaluate.py"
MM_VET_EVAL = "mm-vet_evaluator.py"


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True, text=True).stdout


def source(repo, path):
    return {"repo": remote_name(repo), "commit": git(repo, "rev-parse", "HEAD").strip(), "path": path}


def remote_name(repo):
    """owner/name from the checkout's folder (…/owner+name/repo) or its origin URL."""
    url = subprocess.run(["git", "-C", repo, "config", "--get", "remote.origin.url"], capture_output=True, text=True).stdout.strip()
    if url:
        return url.rstrip("/").removesuffix(".git").split("github.com/")[-1].split("github.com:")[-1]
    parent = os.path.basename(os.path.dirname(os.path.abspath(repo)))
    return parent.replace("+", "/")


def module(name, repo, path, extra_globals=None):
    mod = types.ModuleType(name)
    mod.__file__ = path
    if extra_globals:
        mod.__dict__.update(extra_globals)
    exec(compile(git(repo, "show", f"HEAD:{path}"), path, "exec"), mod.__dict__)
    return mod


def number(x):
    return x if math.isfinite(x) else ("nan" if math.isnan(x) else ("inf" if x > 0 else "-inf"))


def tagged(pred):
    """A parsed open prediction as JSON: {"f": float} or {"s": string}."""
    return {"f": number(pred)} if isinstance(pred, float) else {"s": pred}


# ----- MMMU items -----

def mmmu_items(args):
    answers = json.loads(git(args.mmmu, "show", f"HEAD:{MMMU_ANSWERS}"))
    items, outputs = {}, []
    for model in ["llava1.5_13b", "qwen_vl"]:
        for folder in git(args.mmmu, "ls-tree", "--name-only", "HEAD", f"{MMMU_OUTPUTS}/{model}/").split():
            if folder.endswith(".json"):
                continue
            for row in json.loads(git(args.mmmu, "show", f"HEAD:{folder}/output.json")):
                gold = answers[row["id"]]
                item = {"question_type": gold["question_type"], "answer": gold["ground_truth"]}
                if row["question_type"] == "multiple-choice":
                    assert row["all_choices"] == list(row["index2ans"]), row["id"]
                    item["options"] = row["index2ans"]
                assert items.setdefault(row["id"], item) == item, f"{row['id']}: the two models' outputs disagree on the item"
                outputs.append({"model": model, "id": row["id"], "response": row["response"]})
    json.dump({
        "provenance": {
            **source(args.mmmu, MMMU_ANSWERS),
            "outputs": f"{MMMU_OUTPUTS}/<model>/<Subject>/output.json",
            "license": "Apache-2.0 (the repository's LICENSE), by the MMMU authors",
            "content": "MMMU validation: each item's question type, ground truth (answer_dict_val.json) and lettered options "
                       "(index2ans of the example outputs), and the 1,800 example responses of LLaVA-1.5-13B and Qwen-VL",
            "command": "python3 src/benchmarks/scoring/differential/record-official.py mmmu-items --mmmu MMMU-Benchmark/MMMU.git",
        },
        "items": dict(sorted(items.items())),
        "outputs": outputs,
    }, sys.stdout, ensure_ascii=True, separators=(",", ":"))
    sys.stdout.write("\n")


# ----- the official decisions -----

class Fallback(Exception):
    pass


def mmmu_decider(repo):
    utils = module("eval_utils", repo, MMMU_UTILS)

    def choice(_):
        raise Fallback()

    utils.random.choice = choice  # the random fallback, detected instead of drawn

    def multiple_choice(case, item):
        options = item["options"]
        try:
            pred = utils.parse_multi_choice_response(case["response"], list(options), options)
        except Fallback:
            return {"choice": None}
        return {"choice": pred, "correct": utils.eval_multi_choice(item["answer"], pred)}

    def open_answer(case, gold):
        parsed = utils.parse_open_response(case["response"])
        return {"parsed": [tagged(p) for p in parsed], "correct": utils.eval_open(gold, parsed)}

    return multiple_choice, open_answer


def mmstar_decider(repo):
    """MMStar_eval scores a whole file and reports per-category means: each case is its own file of 18
    rows, one per fine-grained category, the case in the first and empty predictions elsewhere."""
    state = {}
    smp = types.ModuleType("vlmeval.smp")

    class Frame:
        def __init__(self, rows):
            self.rows = rows
            self.iloc = rows

        def __len__(self):
            return len(self.rows)

    class Logger:
        def info(self, *_):
            pass

    smp.load = lambda _: Frame(state["rows"])
    smp.dump = lambda value, _: state.__setitem__("score", value)
    smp.get_logger = lambda _: Logger()
    smp.tqdm = lambda iterable: iterable
    smp.__all__ = ["load", "dump", "get_logger", "tqdm"]
    vlmeval = types.ModuleType("vlmeval")
    vlmeval.smp = smp
    sys.modules.update({"vlmeval": vlmeval, "vlmeval.smp": smp})
    mmstar = module("mmstar", repo, MMSTAR_EVAL)
    # MMStar_score_l2's categories (mmstar.py L6–37).
    layout = {
        "coarse perception": ["image scene and topic", "image style & quality", "image emotion"],
        "fine-grained perception": ["object counting", "recognition", "localization"],
        "instance reasoning": ["single-instance reasoning", "cross-instance attribute reasoning", "cross-instance relation reasoning"],
        "logical reasoning": ["code & sequence reasoning", "diagram reasoning", "common reasoning"],
        "science & technology": ["biology & chemistry & physics", "electronics & energy & mechanical eng.", "geography & earth science & agriculture"],
        "math": ["geometry", "numeric commonsense and calculation", "statistical reasoning"],
    }
    cells = [(k, l2) for k, l2s in layout.items() for l2 in l2s]

    def decide(case):
        rows = [{"prediction": case["prediction"] if i == 0 else "", "answer": case["answer"] if i == 0 else "A",
                 "bench": "x", "category": k, "l2_category": l2} for i, (k, l2) in enumerate(cells)]
        state["rows"] = rows
        mmstar.MMStar_eval("case.xlsx")
        k, l2 = cells[0]
        return {"correct": state["score"][f"{k}({l2})"] == 1.0}

    return decide


def pope_decider(repo):
    code = compile(git(repo, "show", f"HEAD:{POPE_EVAL}"), POPE_EVAL, "exec")

    def decide_all(cases):
        files = iter([
            "".join(json.dumps({"answer": c["answer"]}) + "\n" for c in cases),
            "".join(json.dumps({"label": c["label"]}) + "\n" for c in cases),
        ])
        scope = {"open": lambda *_args, **_kw: io.StringIO(next(files)), "print": lambda *_: None}
        try:
            exec(code, scope)
        except ZeroDivisionError:  # the metrics after the per-answer decisions, on too few answers
            pass
        return [{"answer": a["answer"]} for a in scope["answers"]]

    return decide_all


def mm_vet_decider(repo):
    """Upstream's `runs` with a scripted client: each case's replies are returned in order, and every
    request's temperature and message are recorded."""
    class RateLimitError(Exception):
        pass

    openai = types.ModuleType("openai")
    openai.OpenAI = object
    exceptions = types.ModuleType("openai._exceptions")
    exceptions.RateLimitError = RateLimitError
    tqdm = types.ModuleType("tqdm")
    tqdm.tqdm = lambda iterable: iterable
    sys.modules.update({"openai": openai, "openai._exceptions": exceptions, "tqdm": tqdm, "pandas": types.ModuleType("pandas")})
    evaluator = module("mm_vet_evaluator", repo, MM_VET_EVAL)

    class Client:
        def __init__(self, replies):
            self.replies = list(replies)
            self.requests = []
            self.chat = types.SimpleNamespace(completions=types.SimpleNamespace(create=self.create))

        def create(self, model, max_tokens, temperature, messages):
            content = messages[0]["content"]
            self.requests.append({"temperature": temperature, "max_tokens": max_tokens, "reask": content.endswith("\nPredict the correctness of the answer (digit): ")})
            reply = self.replies.pop(0) if self.replies else "unscripted"
            return types.SimpleNamespace(model=model, choices=[types.SimpleNamespace(message=types.SimpleNamespace(content=reply))])

    def grade(case):
        client = Client(case["replies"])
        evaluator.client = client
        with tempfile.TemporaryDirectory() as folder:
            result_file = os.path.join(folder, "result.json")
            with open(result_file, "w") as f:
                json.dump({"v1_0": "It is a cat."}, f)
            args = types.SimpleNamespace(result_file=result_file, prompt=evaluator.prompt, gpt_model="gpt-4-0613", num_run=1)
            data = {"v1_0": {"question": "What is it?", "answer": "cat", "capability": ["rec"]}}
            with contextlib.redirect_stdout(io.StringIO()):
                grades = evaluator.runs(args, os.path.join(folder, "grade.json"), data, 1)
        score = grades["v1_0"]["score"][0]
        return {"score": number(score), "requests": client.requests}

    return grade


def decisions(args):
    cases = json.load(open(args.cases))
    items = json.load(open(args.items))["items"]
    mc, open_answer = mmmu_decider(args.mmmu)
    mmstar = mmstar_decider(args.mmstar)
    pope = pope_decider(args.pope)
    grade = mm_vet_decider(args.mm_vet)
    pope_cases = [c for c in cases["cases"] if c["suite"] == "pope"]
    pope_decisions = dict(zip((c["id"] for c in pope_cases), pope(pope_cases)))
    out = {}
    for case in cases["cases"]:
        suite = case["suite"]
        if suite == "mmmu-mc":
            expected = mc(case, items[case["item"]])
        elif suite == "mmmu-open":
            expected = open_answer(case, case["gold"] if "gold" in case else items[case["item"]]["answer"])
        elif suite == "mmstar":
            expected = mmstar(case)
        elif suite == "pope":
            expected = pope_decisions[case["id"]]
        elif suite == "mm-vet":
            expected = grade(case)
        else:
            raise ValueError(f"unknown suite {suite}")
        out[case["id"]] = expected
    json.dump({
        "provenance": {
            "cases": cases["provenance"],
            "upstream": {
                "mmmu": {**source(args.mmmu, MMMU_UTILS), "license": "Apache-2.0", "functions": "parse_multi_choice_response, eval_multi_choice, parse_open_response, eval_open"},
                "mmstar": {**source(args.mmstar, MMSTAR_EVAL), "license": "none given: only decisions are recorded", "functions": "MMStar_eval"},
                "pope": {**source(args.pope, POPE_EVAL), "license": "MIT", "functions": "the script's answer loop"},
                "mm-vet": {**source(args.mm_vet, MM_VET_EVAL), "license": "Apache-2.0", "functions": "runs (with a scripted client)"},
            },
            "python": platform.python_version(),
            "numpy": numpy.__version__,
            "command": "npx tsx src/benchmarks/scoring/differential/cases.ts > cases.json; python3 src/benchmarks/scoring/differential/record-official.py decisions "
                       "--cases cases.json --mmmu MMMU-Benchmark/MMMU.git --mmstar MMStar-Benchmark/MMStar.git --pope AoiDragon/POPE.git --mm-vet yuweihao/MM-Vet.git",
            "mmmu_random_fallback": "upstream's random.choice is replaced by a marker, so a fallback is recorded as choice null rather than drawn",
        },
        "expected": out,
    }, sys.stdout, ensure_ascii=True, separators=(",", ":"))
    sys.stdout.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    items = sub.add_parser("mmmu-items")
    items.add_argument("--mmmu", required=True)
    dec = sub.add_parser("decisions")
    for name in ["cases", "mmmu", "mmstar", "pope", "mm-vet"]:
        dec.add_argument(f"--{name}", required=True)
    dec.add_argument("--items", default=os.path.join(os.path.dirname(__file__), "..", "fixtures", "mmmu-val-items.json"))
    args = parser.parse_args()
    {"mmmu-items": mmmu_items, "decisions": decisions}[args.command](args)


if __name__ == "__main__":
    main()
