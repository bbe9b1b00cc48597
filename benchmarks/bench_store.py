"""The store's speed and memory (issue 8): building vs plain whoosh, adding one article,
peak memory on a big JSONL, and what a killed run leaves behind.

    python benchmarks/bench_store.py corpora --work DIR             # the JSONL files below
    python benchmarks/bench_store.py build   --work DIR [--sizes 19k,95k] [--reps 3]
    python benchmarks/bench_store.py add-one --work DIR [--reps 10]
    python benchmarks/bench_store.py memory  --work DIR [--lines 200000]
    python benchmarks/bench_store.py kill    --work DIR [--kills KILL:40,KILL:merge,...]
    python benchmarks/bench_store.py all     --work DIR

Corpora (written into --work, never into the repo):
- `reuters19k.jsonl`: the 19,043 Reuters-21578 articles that have text (topics as `tags`);
- `reuters95k.jsonl`: the same copied 5x, copies 1-4 with new ids (`<id>-c<k>`): 95,215;
- `big200k.jsonl`: --lines articles recycled from Reuters, BBC, ukraine_war and
  wikinews_crisis with new ids; a short text is continued with the next texts of its corpus
  until it has --min-chars characters, which makes the issue's ~2.5 kB a line (516 MB for
  200k lines).

Every measured run is a child process, so that its peak RSS (`wait4`'s ru_maxrss, as GNU
time reports it) and its CPU time are its own:
- searchkit: this script's `_searchkit` driver, which imports `searchkit.cli` and calls
  `main(["index", FILE, "--no-extract", "--index", DIR])`, what the console script does;
  it reports the import and the run times separately (the wall time includes both);
- the peer: `_whoosh`, plain whoosh writing id (ID, stored, unique), title (TEXT, stored,
  StemmingAnalyzer, no positions) and text (TEXT, stored, StemmingAnalyzer, phrase
  positions) from the same JSONL with `ix.writer()`'s defaults (limitmb=128, one process),
  one commit.
Runs of two engines alternate (ABBA...) and each ratio is taken within one run of this
script; the 1-minute load average is printed beside the figures. Asserts nothing.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import peers  # noqa: E402

REPO = peers.REPO
NEWS = peers.DATA / "news"
BIG_SOURCES = ("reuters21578", "bbc", "ukraine_war", "wikinews_crisis")
#: Seconds between RSS samples of a run whose memory is followed over time.
SAMPLE_EVERY = 0.25


# ---------------------------------------------------------------- measured child processes


@dataclass
class Run:
    """One child process: wall and CPU seconds, peak RSS (MB), what it printed, the load."""

    label: str
    wall: float
    cpu: float
    rss_mb: float
    code: int
    inner: dict = field(default_factory=dict)
    load: float = 0.0
    peak_at: float | None = None  # seconds into the run when RSS peaked (sampled runs)
    timeline: list = field(default_factory=list)  # (seconds, MB) samples


def measure(label: str, cmd: list[str], logs: Path, *, sample: bool = False,
            kill_after=None, kill_signal: int = signal.SIGKILL) -> Run:
    """Run `cmd`, reaping it with wait4 for its own rusage; optionally sample its RSS
    (psutil) and send it `kill_signal` after `kill_after` seconds (or once the callable
    `kill_after()` returns true)."""
    logs.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
           "TMPDIR": str(_private_tmp(logs))}
    out, err = open(logs / f"{label}.out", "w"), open(logs / f"{label}.err", "w")
    load = os.getloadavg()[0]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
    timeline: list[tuple[float, float]] = []
    if sample or kill_after is not None:
        status, usage = _poll(proc, started, timeline if sample else None, kill_after, kill_signal)
    else:
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    out.close(), err.close()
    peak = max(timeline, key=lambda s: s[1], default=(None, 0))
    return Run(label, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024 / 1e6,
               proc.returncode, _last_json(logs / f"{label}.out"), load, peak[0], timeline)


def _poll(proc, started, timeline, kill_after, kill_signal):
    import psutil

    watched = psutil.Process(proc.pid)
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            return status, usage
        now = time.perf_counter() - started
        if kill_after is not None and (kill_after() if callable(kill_after) else now >= kill_after):
            proc.send_signal(kill_signal)
            kill_after = None
        if timeline is not None:
            try:
                timeline.append((round(now, 2), watched.memory_info().rss / 1e6))
            except psutil.Error:
                pass
        time.sleep(SAMPLE_EVERY if timeline is not None else 0.02)


def _private_tmp(logs: Path) -> Path:
    """A TMPDIR of the children's own, so that temp files they leave are found."""
    path = logs / "tmp"
    path.mkdir(exist_ok=True)
    return path


def _last_json(path: Path) -> dict:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


def searchkit_cmd(jsonl: Path, index_dir: Path, *, profile: Path | None = None) -> list[str]:
    cmd = [sys.executable, __file__, "_searchkit", str(jsonl), str(index_dir)]
    return cmd + (["--profile", str(profile)] if profile else [])


def whoosh_cmd(jsonl: Path, index_dir: Path) -> list[str]:
    return [sys.executable, __file__, "_whoosh", str(jsonl), str(index_dir)]


# ---------------------------------------------------------------- the drivers (children)


def run_searchkit(jsonl: str, index_dir: str, profile: str | None) -> None:
    """`searchkit index JSONL --no-extract --index DIR`, timed in two parts."""
    t0 = time.perf_counter()
    from searchkit import cli

    t1 = time.perf_counter()
    argv = ["index", jsonl, "--no-extract", "--index", index_dir]
    code = 0
    try:
        if profile:
            import cProfile

            cProfile.runctx("cli.main(argv)", globals(), {"cli": cli, "argv": argv}, profile)
        else:
            cli.main(argv)
    except SystemExit as exc:
        code = exc.code or 0
    print(json.dumps({"import_s": t1 - t0, "run_s": time.perf_counter() - t1, "code": code}))
    sys.exit(code)


def run_whoosh(jsonl: str, index_dir: str) -> None:
    """Plain whoosh writing id, title and text of every record (see the module docstring)."""
    t0 = time.perf_counter()
    from whoosh import fields, index
    from whoosh.analysis import StemmingAnalyzer

    t1 = time.perf_counter()
    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(stored=True, analyzer=StemmingAnalyzer(), phrase=False),
        text=fields.TEXT(stored=True, analyzer=StemmingAnalyzer(), phrase=True))
    os.makedirs(index_dir)
    ix = index.create_in(index_dir, schema)
    with ix.writer() as writer, open(jsonl, encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            writer.add_document(id=str(rec["id"]), title=rec.get("title") or "",
                                text=rec.get("text") or "")
    print(json.dumps({"import_s": t1 - t0, "run_s": time.perf_counter() - t1}))


# ---------------------------------------------------------------- corpora


def corpora(work: Path, *, lines: int = 200_000, min_chars: int = 1300) -> dict[str, Path]:
    """Write (once) the JSONL files the measurements read; returns them by name."""
    work.mkdir(parents=True, exist_ok=True)
    out = {"19k": work / "reuters19k.jsonl", "95k": work / "reuters95k.jsonl",
           "big": work / f"big{lines // 1000}k.jsonl"}
    if not (out["19k"].exists() and out["95k"].exists()):
        records = peers.reuters_records()
        peers.write_jsonl(records, out["19k"])
        peers.write_jsonl(peers.copies(records, 5), out["95k"])
    if not out["big"].exists():
        _write_big(out["big"], lines, min_chars)
    return out


def _write_big(path: Path, lines: int, min_chars: int) -> None:
    """`lines` articles drawn in turn from the four corpora (in proportion to their size),
    each a source record with a new id, its text continued with the corpus's next texts
    until it has `min_chars` characters."""
    pools = {name: [r for r in _read(NEWS / f"{name}.jsonl") if (r.get("text") or "").strip()]
             for name in BIG_SOURCES}
    order = [name for name, pool in pools.items() for _ in range(len(pool))]
    random.Random(8).shuffle(order)
    cursors = {name: 0 for name in pools}
    tmp = path.with_suffix(".part")
    with open(tmp, "w", encoding="utf-8") as fh:
        for n, name in zip(range(lines), itertools.cycle(order)):
            pool = pools[name]
            rec = dict(pool[cursors[name] % len(pool)])
            texts = [rec["text"]]
            while sum(map(len, texts)) < min_chars:
                cursors[name] += 1
                texts.append(pool[cursors[name] % len(pool)]["text"])
            cursors[name] += 1
            rec.update(id=f"big{n:07d}-{rec['id']}", text="\n\n".join(texts))
            if "topics" in rec:
                rec["tags"] = rec.pop("topics") or []
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def _read(path: Path) -> list[dict]:
    with open(peers.require(path), encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


# ---------------------------------------------------------------- summaries


def best_median(values: list[float]) -> tuple[float, float]:
    return min(values), statistics.median(values)


def fmt_runs(runs: list[Run], key: str = "wall") -> str:
    best, med = best_median([getattr(r, key) for r in runs])
    return f"{best:.2f} / {med:.2f}"


def loads(runs: list[Run]) -> str:
    values = [r.load for r in runs]
    return f"{min(values):.1f}-{max(values):.1f}"


def save(work: Path, name: str, data) -> None:
    with open(work / f"results-{name}.json", "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1, default=lambda o: asdict(o))


def fresh(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    return path


# ---------------------------------------------------------------- build vs whoosh


def bench_build(work: Path, files: dict[str, Path], sizes: list[str], reps: int) -> dict:
    """searchkit and plain whoosh build the same corpus, alternating, `reps` times each."""
    results = {}
    for size in sizes:
        runs: dict[str, list[Run]] = {"searchkit": [], "whoosh": []}
        for rep in range(reps):
            pair = ("searchkit", "whoosh") if rep % 2 == 0 else ("whoosh", "searchkit")
            for engine in pair:
                target = fresh(work / f"{'sk' if engine == 'searchkit' else 'wh'}-{size}")
                cmd = (searchkit_cmd if engine == "searchkit" else whoosh_cmd)(files[size], target)
                run = measure(f"build-{engine}-{size}-{rep}", cmd, work / "logs")
                runs[engine].append(run)
                print(f"  {size} {engine} rep {rep}: wall {run.wall:.1f} s, cpu {run.cpu:.1f} s, "
                      f"peak {run.rss_mb:.0f} MB, load {run.load:.1f}, exit {run.code}", flush=True)
        results[size] = runs
    print_build(results)
    save(work, "build", results)
    return results


def print_build(results: dict) -> None:
    print("\n| corpus | searchkit wall best / median (s) | whoosh wall best / median (s) | "
          "ratio of medians (best) | CPU ratio of medians | searchkit / whoosh peak RSS (MB) | load |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for size, runs in results.items():
        sk, wh = runs["searchkit"], runs["whoosh"]
        ratio = statistics.median(r.wall for r in sk) / statistics.median(r.wall for r in wh)
        best = min(r.wall for r in sk) / min(r.wall for r in wh)
        cpu = statistics.median(r.cpu for r in sk) / statistics.median(r.cpu for r in wh)
        print(f"| {size} | {fmt_runs(sk)} | {fmt_runs(wh)} | **{ratio:.2f}x** ({best:.2f}x) | "
              f"{cpu:.2f}x | {max(r.rss_mb for r in sk):.0f} / {max(r.rss_mb for r in wh):.0f} | "
              f"{loads(sk + wh)} |")


# ---------------------------------------------------------------- adding one article


def bench_add_one(work: Path, files: dict[str, Path], reps: int) -> dict:
    """Add one new article at a time to the 95k index and to a 1-article index, alternating."""
    big, small = work / "sk-95k", fresh(work / "sk-1")
    if not (big / "CURRENT").exists():
        print("  building the 95k index first (untimed)", flush=True)
        measure("add-one-setup-95k", searchkit_cmd(files["95k"], fresh(big)), work / "logs")
    records = _read(files["19k"])
    first = peers.write_jsonl(records[:1], work / "one-first.jsonl")
    measure("add-one-setup-1", searchkit_cmd(first, small), work / "logs")
    tag = time.strftime("%H%M%S")
    runs: dict[str, list[Run]] = {"95k": [], "1": []}
    for rep in range(reps):
        article = dict(records[1 + rep], id=f"added-{tag}-{rep}")
        one = peers.write_jsonl([article], work / f"one-{rep}.jsonl")
        pair = (("95k", big), ("1", small))
        for size, index_dir in (pair if rep % 2 == 0 else pair[::-1]):
            run = measure(f"add-one-{size}-{rep}", searchkit_cmd(one, index_dir), work / "logs")
            runs[size].append(run)
            print(f"  rep {rep} into {size}: wall {run.wall:.3f} s (import {run.inner.get('import_s', 0):.3f}"
                  f" + run {run.inner.get('run_s', 0):.3f}), cpu {run.cpu:.3f} s, load {run.load:.1f}, "
                  f"exit {run.code}", flush=True)
    print_add_one(runs)
    save(work, "add-one", runs)
    return runs


def print_add_one(runs: dict[str, list[Run]]) -> None:
    def inner(rs):
        return [r.inner.get("run_s", float("nan")) for r in rs]

    print("\n| index | wall best / median / worst (s) | of which `index` run best / median (s) | "
          "CPU best / median / worst (s) | load |")
    print("|---|---:|---:|---:|---:|")
    for size, rs in runs.items():
        b, m = best_median(inner(rs))
        print(f"| {size} article(s) | {fmt_runs(rs)} / {max(r.wall for r in rs):.2f} | {b:.3f} / {m:.3f} "
              f"| {fmt_runs(rs, 'cpu')} / {max(r.cpu for r in rs):.2f} | {loads(rs)} |")
    big, one = runs["95k"], runs["1"]
    wall = statistics.median(r.wall for r in big) / statistics.median(r.wall for r in one)
    best = min(r.wall for r in big) / min(r.wall for r in one)
    run = statistics.median(inner(big)) / statistics.median(inner(one))
    cpu = statistics.median(r.cpu for r in big) / statistics.median(r.cpu for r in one)
    print(f"\n95k / 1 ratio: wall medians **{wall:.2f}x** (bests {best:.2f}x); the `index` run "
          f"alone {run:.2f}x; CPU medians {cpu:.2f}x; 95k runs over 1 s: "
          f"{sum(r.wall > 1 for r in big)} of {len(big)}")


# ---------------------------------------------------------------- peak memory


def bench_memory(work: Path, files: dict[str, Path], reps: int) -> list[Run]:
    """Index the big JSONL into a fresh index, following RSS over time."""
    size = files["big"].stat().st_size / 1e6
    with open(files["big"], "rb") as fh:
        lines = sum(1 for _ in fh)
    print(f"  {files['big'].name}: {lines:,} lines, {size:.0f} MB", flush=True)
    runs = []
    for rep in range(reps):
        target = fresh(work / "sk-big")
        run = measure(f"memory-{rep}", searchkit_cmd(files["big"], target), work / "logs", sample=True)
        runs.append(run)
        print(f"  rep {rep}: peak RSS {run.rss_mb:.0f} MB (sampled peak at {run.peak_at} s), "
              f"wall {run.wall:.0f} s, cpu {run.cpu:.0f} s, load {run.load:.1f}, exit {run.code}",
              flush=True)
        print("  RSS every ~10% of the run (s, MB): " + ", ".join(
            f"{t:.0f}:{mb:.0f}" for t, mb in run.timeline[::max(len(run.timeline) // 10, 1)]))
    save(work, "memory", runs)
    return runs


# ---------------------------------------------------------------- killed runs


def bench_kill(work: Path, files: dict[str, Path], kills: list[tuple[str, str]]) -> list[dict]:
    """Kill an indexing run of the big JSONL, list what it left, run again, list again.

    A kill is SIGNAL:SECONDS, or SIGNAL:merge to kill while a merge writes its segment."""
    small = peers.write_jsonl(_read(files["19k"])[:20], work / "kill-next.jsonl")
    found = []
    for name, when in kills:
        target = fresh(work / "sk-kill")
        tmp = fresh(work / "logs" / "tmp")
        after = (lambda: _merging(target)) if when == "merge" else float(when)
        run = measure(f"kill-{name}-{when}", searchkit_cmd(files["big"], target), work / "logs",
                      kill_after=after, kill_signal=getattr(signal, f"SIG{name}"))
        left = leftovers(target) + [str(p) for p in tmp.iterdir()]
        left_mb = _size_mb(left)
        again = measure(f"kill-{name}-next", searchkit_cmd(small, target), work / "logs")
        after_next = leftovers(target) + [str(p) for p in tmp.iterdir()]
        articles = _article_count(target, work / "logs")
        row = {"signal": name, "when": when, "seconds": round(run.wall, 1), "exit": run.code,
               "left": left, "left_mb": left_mb, "next_exit": again.code,
               "after_next": after_next, "articles_after_next": articles}
        found.append(row)
        print(f"  SIG{name} at {when} ({run.wall:.0f} s, exit {run.code}): {len(left)} unreferenced "
              f"paths, {row['left_mb']:.1f} MB; next run exit {again.code}, then "
              f"{len(after_next)} unreferenced {after_next[:5]}; {articles} articles", flush=True)
        for path in left[:8]:
            print(f"      left: {path}")
    save(work, "kill", found)
    return found


#: A segment folder this large that no manifest names yet is a merge being written
#: (a 5,000-article batch writes ~15 MB; 8 of them merge into ~110 MB).
MERGE_BYTES = 40e6


def _merging(index_dir: Path) -> bool:
    """True while a merged segment is being written in the index's store."""
    try:
        store = index_dir / (index_dir / "CURRENT").read_text().strip()
        for folder in store.glob("seg-*"):
            if sum(f.stat().st_size for f in folder.iterdir()) > MERGE_BYTES:
                named = any(folder.name in m.read_text() for m in store.glob("manifest-*.json"))
                if not named:
                    return True
    except OSError:
        pass
    return False


def leftovers(index_dir: Path) -> list[str]:
    """The topmost paths under `index_dir` that the current generation does not refer to,
    found with whoosh's own TOC and our manifest (not with searchkit's sweeping code)."""
    from whoosh import index as whoosh_index

    files = {index_dir / "CURRENT", index_dir / "write.lock"}
    dirs = {index_dir}
    name = (index_dir / "CURRENT").read_text().strip() if (index_dir / "CURRENT").exists() else None
    store = index_dir / name if name else None
    if store is not None and store.exists():
        dirs.add(store)
        toc = whoosh_index.open_dir(str(store), indexname="articles")._read_toc()
        generation = toc.generation
        ids = tuple(s.segment_id() for s in toc.segments)
        files |= {store / "FORMAT", store / f"_articles_{generation}.toc", store / "articles_WRITELOCK",
                  store / f"manifest-{generation}.json", store / f"whoosh-{generation}.json"}
        files |= {p for p in store.iterdir() if ids and p.name.startswith(ids)}
        manifest = json.loads((store / f"manifest-{generation}.json").read_text())
        # the index-level tables the generation names (entities, boilerplate, merges)
        files |= {store / manifest[key] for key in ("entities", "boilerplate", "dupmerges")
                  if manifest.get(key)}
        for entry in manifest["segments"]:
            dirs.add(store / entry["name"])
            files |= {store / entry["name"] / f for f in entry["files"]}
            if entry.get("deleted"):
                files.add(store / entry["deleted"])
    return _unreferenced(index_dir, files, dirs)


def _unreferenced(folder: Path, files: set[Path], dirs: set[Path]) -> list[str]:
    out = []
    for path in sorted(folder.iterdir()):
        if path.is_dir() and path in dirs:
            out += _unreferenced(path, files, dirs)
        elif path not in files:
            out.append(str(path))
    return out


def _size_mb(paths: list[str]) -> float:
    total = 0
    for p in map(Path, paths):
        inside = p.rglob("*") if p.is_dir() else [p]
        total += sum(f.stat().st_size for f in inside if f.is_file())
    return total / 1e6


def _article_count(index_dir: Path, logs: Path) -> int | None:
    run = subprocess.run([sys.executable, "-m", "searchkit.cli", "stats", "--json", "--index",
                          str(index_dir)], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        return json.loads(run.stdout)["articles"]
    except (ValueError, KeyError):
        (logs / "kill-stats.err").write_text(run.stdout + run.stderr)
        return None


# ---------------------------------------------------------------- command line


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=["corpora", "build", "add-one", "memory", "kill", "all",
                                     "_searchkit", "_whoosh"])
    ap.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    ap.add_argument("--work", default="/tmp/bench_store")
    ap.add_argument("--sizes", default="19k,95k")
    ap.add_argument("--reps", type=int, default=None,
                    help="runs per engine (build: 3, add-one: 10, memory: 1)")
    ap.add_argument("--lines", type=int, default=200_000)
    ap.add_argument("--min-chars", type=int, default=1300)
    ap.add_argument("--kills", default="KILL:40,KILL:merge,TERM:40,TERM:merge,INT:40")
    ap.add_argument("--profile", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.what == "_searchkit":
        return run_searchkit(*args.args, profile=args.profile)
    if args.what == "_whoosh":
        return run_whoosh(*args.args)
    work = Path(args.work)
    files = corpora(work, lines=args.lines, min_chars=args.min_chars)
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, load {os.getloadavg()[0]:.1f}; "
          f"work in {work}", flush=True)
    if args.what in ("build", "all"):
        bench_build(work, files, args.sizes.split(","), args.reps or 3)
    if args.what in ("add-one", "all"):
        bench_add_one(work, files, args.reps or 10)
    if args.what in ("memory", "all"):
        bench_memory(work, files, args.reps or 1)
    if args.what in ("kill", "all"):
        kills = [tuple(k.split(":")) for k in args.kills.split(",")]
        bench_kill(work, files, kills)


if __name__ == "__main__":
    main()
