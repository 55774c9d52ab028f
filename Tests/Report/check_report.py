#!/usr/bin/env python3
"""Checks an LUTF report.html as a browser draws it: headless Chromium runs the page's script,
this reads the resulting DOM and checks facts given as a JSON spec. Standard library only.

  check_report.py REPORT.html [--spec JSON | --spec @FILE] [--screenshot PNG] [--window-size W,H]
                  [--hash test-dlc-01_configure] [--dump-dom OUT.html]
  check_report.py --build TEMPLATE DATA.json OUT.html     embed DATA in TEMPLATE as the writer does
  check_report.py --spec-help                              what a spec can say
  check_report.py --self-test [--keep DIR]                 the template against the sample (sample-spec.json),
                                                           no data, broken data and hostile data

Exit status: 0 every check passed; 1 a check failed (the first failure is named on stderr);
2 usage error, or Chromium could not be run.

Without --spec only the generic checks run: the page drew its data (state ok), no script error,
every test has a timeline, the file is self-contained and under 2 MB.
"""

import argparse
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

PLACEHOLDER = "/*LUTF-REPORT-DATA*/null"
DEFAULT_MAX_BYTES = 2_000_000

SPEC_HELP = """A spec is a JSON object; every key is optional:

  "state": "ok"                      body[data-report-state]: ok | no-data | malformed | error
  "no_js_errors": true               no script error was reported by the page (default true)
  "max_bytes": 2000000               the file's size limit (default 2000000)
  "self_contained": true             no external script/style/image/font/frame reference (default true)
  "script_elements": 2               number of <script> elements in the drawn DOM (data + code)
  "run_id": "r-1"                    the run id shown in the header
  "verdict": "FAILED"                the overall verdict badge (PASSED, FAILED, INCOMPLETE)
  "totals": {"PASS": 7, "FAIL": 3}   the totals boxes (a status not listed is not checked;
                                     0 also matches a box the page left out)
  "test_count": 12                   rows in the tests table
  "nodes": ["mds1", "oss1"]          the cluster table's nodes, in order
  "failures_first": true             the tests table lists FAIL, XPASS, XFAIL, SKIP, PASS in that order
  "every_test_has_timeline": true    each test section has a timeline SVG (default true)
  "text": ["..."]                    strings in the page's text
  "absent_text": ["..."]             strings not in the page's text
  "notes": ["..."]                   strings in the notes box
  "tests": {                         per test, by id (suite/key):
    "dlc/06_x": {
      "status": "FAIL",                  data-status of its table row and section
      "anchor": "test-dlc-06_x",         the section's id
      "error": ["..."],                  strings in the error block
      "traceback": ["..."],              strings in the traceback block
      "output": ["..."],                 strings in the output block (as text: "<script>" matches
                                         only if the page shows those characters)
      "output_truncated": true,          the truncation note is there (false: it is not)
      "text": ["..."],                   strings anywhere in the section
      "lanes": ["script", "mds1"],       the timeline's lanes, exactly and in order
      "min_bars": {"mds1": 3},           at least N .bar elements (calls and tools) in a lane
      "min_calls": {"mds1": 3},          at least N call bars in a lane
      "min_tools": {"mds1": 1},          at least N tool bars in a lane
      "marks": {"barrier_arrive": 3},    at least N marks of a kind (any lane)
      "lane_marks": {"oss1": {"agent_death": 1}},   at least N marks of a kind in a lane
      "bands": {"fault": 1},             at least N bands (fault, link, dead)
      "deadline": true,                  a deadline line is drawn (false: none is)
      "calls": 9,                        rows in the remote calls table
      "failed_calls": 1,                 of which failed
      "evidence": {"oss1": ["lctl-dk.log"]},   evidence nodes and their files
      "files": ["dlc/test_06_x/rpc.log"],      links (href) in the section
      "collapsed": true                  the section's details start closed
    }
  }
"""


# ---------------------------------------------------------------- a small DOM from html.parser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}


class Node:
    __slots__ = ("tag", "attrs", "children", "parent")

    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.children, self.parent = tag, attrs, [], parent

    def get(self, name, default=None):
        return self.attrs.get(name, default)

    @property
    def classes(self):
        return (self.attrs.get("class") or "").split()

    def iter(self):
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed([c for c in node.children if isinstance(c, Node)]))

    def find_all(self, tag=None, cls=None, **attrs):
        out = []
        for n in self.iter():
            if n is self:
                continue
            if tag and n.tag != tag:
                continue
            if cls and cls not in n.classes:
                continue
            if any(n.attrs.get(k.replace("_", "-")) != v for k, v in attrs.items()):
                continue
            out.append(n)
        return out

    def find(self, tag=None, cls=None, **attrs):
        found = self.find_all(tag, cls, **attrs)
        return found[0] if found else None

    def text(self):
        parts = []
        stack = [self]
        while stack:
            node = stack.pop()
            if isinstance(node, str):
                parts.append(node)
            elif node.tag not in ("script", "style", "title") or node is self:
                stack.extend(reversed(node.children))
        return "".join(parts)


class DOMBuilder(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, self.cur)
        self.cur.children.append(node)

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def parse(html_text):
    b = DOMBuilder()
    b.feed(html_text)
    b.close()
    return b.root


# ---------------------------------------------------------------- chromium

def chromium_binary(given):
    for name in [given, os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome", "chrome"]:
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def run_chromium(binary, url, extra, timeout):
    with tempfile.TemporaryDirectory(prefix="lutf-report-chromium-") as profile:
        argv = [binary, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--disable-dev-shm-usage", "--user-data-dir=" + profile, *extra, url]
        try:
            proc = subprocess.run(argv, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise SystemExit(f"check_report: chromium did not finish in {timeout} s: {' '.join(argv)}") from None
        return proc


class CheckFailed(Exception):
    pass


class Checker:
    def __init__(self):
        self.passed = 0

    def check(self, ok, what):
        if not ok:
            raise CheckFailed(what)
        self.passed += 1


def contains_all(ch, haystack, needles, where):
    if isinstance(needles, str):
        needles = [needles]
    for s in needles:
        ch.check(s in haystack, f"{where}: text {s!r} not found")


EXTERNAL = re.compile(
    r"""(?:<(?:script|img|iframe|embed|source|audio|video)\b[^>]*\bsrc\s*=\s*["']?\s*(?:https?:)?//)"""
    r"""|(?:<link\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?//)"""
    r"""|(?:@import\s)|(?:url\(\s*["']?\s*(?:https?:)?//)""",
    re.I)


def check_source(ch, source, spec):
    limit = spec.get("max_bytes", DEFAULT_MAX_BYTES)
    size = len(source.encode("utf-8"))
    ch.check(size <= limit, f"size: the file is {size} bytes, over {limit}")
    if spec.get("self_contained", True):
        m = EXTERNAL.search(source)
        ch.check(m is None, f"self-contained: external reference {m.group(0)[:80]!r}" if m else "")
        ch.check(source.count(PLACEHOLDER) == 0 or spec.get("state") == "no-data",
                 "data: the placeholder is still in the file (no data embedded)")
    return size


def lane_items(svg, cls, lane, sub=None):
    return [n for n in svg.iter() if cls in n.classes and n.get("data-lane") == lane and (sub is None or sub in n.classes)]


def check_test(ch, root, tid, want):
    where = f"test {tid}"
    sections = [n for n in root.find_all("section", cls="test") if n.get("data-test") == tid]
    ch.check(len(sections) == 1, f"{where}: {len(sections)} sections (want 1)")
    sec = sections[0]
    rows = [n for n in root.find_all("tr", cls="test-row") if n.get("data-test") == tid]
    ch.check(len(rows) == 1, f"{where}: {len(rows)} rows in the tests table (want 1)")
    if "status" in want:
        ch.check(rows[0].get("data-status") == want["status"], f"{where}: row status {rows[0].get('data-status')} (want {want['status']})")
        ch.check(sec.get("data-status") == want["status"], f"{where}: section status {sec.get('data-status')} (want {want['status']})")
    if "anchor" in want:
        ch.check(sec.get("id") == want["anchor"], f"{where}: anchor {sec.get('id')!r} (want {want['anchor']!r})")
        links = [a for a in rows[0].find_all("a") if a.get("href") == "#" + want["anchor"]]
        ch.check(bool(links), f"{where}: the table row does not link to #{want['anchor']}")
    if "collapsed" in want:
        det = sec.find("details", cls="test-details")
        ch.check(det is not None, f"{where}: no details element")
        ch.check(("open" not in det.attrs) == bool(want["collapsed"]), f"{where}: collapsed is {'open' not in det.attrs} (want {want['collapsed']})")
    for key, cls in [("error", "error"), ("traceback", "traceback"), ("output", "output")]:
        if key in want:
            block = sec.find("pre", cls=cls)
            ch.check(block is not None, f"{where}: no {key} block")
            contains_all(ch, block.text(), want[key], f"{where} {key}")
    if "output_truncated" in want:
        note = [n for n in sec.iter() if "trunc" in n.classes and "data-truncated" in n.attrs]
        ch.check(bool(note) == bool(want["output_truncated"]), f"{where}: output truncation note {'present' if note else 'absent'} (want {'present' if want['output_truncated'] else 'absent'})")
    if "text" in want:
        contains_all(ch, sec.text(), want["text"], where)

    svg = sec.find("svg", cls="timeline-svg")
    timeline_keys = {"lanes", "min_bars", "min_calls", "min_tools", "marks", "lane_marks", "bands", "deadline"}
    if timeline_keys & set(want):
        ch.check(svg is not None, f"{where}: no timeline")
    if "lanes" in want:
        lanes = [g.get("data-lane") for g in svg.iter() if g.tag == "g" and "lane" in g.classes]
        ch.check(lanes == want["lanes"], f"{where}: timeline lanes {lanes} (want {want['lanes']})")
    for key, sub in [("min_bars", None), ("min_calls", "call"), ("min_tools", "tool")]:
        for lane, n in want.get(key, {}).items():
            got = len(lane_items(svg, "bar", lane, sub))
            ch.check(got >= n, f"{where}: lane {lane} has {got} {sub or 'bar'} bars (want at least {n})")
    marks = [m for m in svg.iter() if "mark" in m.classes and m.tag == "g"]
    for kind, n in want.get("marks", {}).items():
        got = sum(1 for m in marks if m.get("data-kind") == kind)
        ch.check(got >= n, f"{where}: {got} {kind} marks (want at least {n})")
    for lane, kinds in want.get("lane_marks", {}).items():
        for kind, n in kinds.items():
            got = sum(1 for m in marks if m.get("data-kind") == kind and m.get("data-lane") == lane)
            ch.check(got >= n, f"{where}: lane {lane} has {got} {kind} marks (want at least {n})")
    for kind, n in want.get("bands", {}).items():
        got = sum(1 for b in svg.iter() if "band" in b.classes and b.get("data-kind") == kind)
        ch.check(got >= n, f"{where}: {got} {kind} bands (want at least {n})")
    if "deadline" in want:
        got = any("deadline" in n.classes and n.tag == "line" for n in svg.iter())
        ch.check(got == bool(want["deadline"]), f"{where}: deadline line {'drawn' if got else 'not drawn'} (want {'drawn' if want['deadline'] else 'none'})")

    calls = [r for r in sec.iter() if r.tag == "tr" and "call-row" in r.classes]
    if "calls" in want:
        ch.check(len(calls) == want["calls"], f"{where}: {len(calls)} rows in the calls table (want {want['calls']})")
    if "failed_calls" in want:
        got = sum(1 for r in calls if r.get("data-ok") == "false")
        ch.check(got == want["failed_calls"], f"{where}: {got} failed calls (want {want['failed_calls']})")
    for node, files in want.get("evidence", {}).items():
        ev = [n for n in sec.find_all("details", cls="ev-node") if n.get("data-node") == node]
        ch.check(bool(ev), f"{where}: no evidence from {node}")
        have = [f.get("data-file") for f in ev[0].find_all("details", cls="ev-file")]
        for f in files:
            ch.check(f in have, f"{where}: evidence from {node} lacks {f} (has {have})")
    if "files" in want:
        hrefs = {a.get("href") for a in sec.find_all("a")}
        for f in want["files"]:
            ch.check(f in hrefs, f"{where}: no link to {f}")


def check_dom(ch, root, spec):
    body = root.find("body")
    ch.check(body is not None, "dom: no body")
    state = body.get("data-report-state")
    ch.check(state == spec.get("state", "ok"), f"state: the page says {state!r} (want {spec.get('state', 'ok')!r})"
             + (": " + root.find(id="report-problem").text() if root.find(id="report-problem") is not None else ""))
    if spec.get("no_js_errors", True):
        err = root.find(id="js-error")
        ch.check(err is None and not body.get("data-js-errors"), f"script errors: {err.text() if err is not None else body.get('data-js-errors')}")
    if "script_elements" in spec:
        n = len(root.find_all("script"))
        ch.check(n == spec["script_elements"], f"script elements: {n} (want {spec['script_elements']}); data may have become markup")
    if "run_id" in spec:
        h1 = root.find(id="run-id")
        ch.check(h1 is not None and spec["run_id"] in h1.text(), f"run id: {h1.text() if h1 is not None else None!r} (want {spec['run_id']!r})")
    if "verdict" in spec:
        v = root.find(id="verdict")
        ch.check(v is not None and v.get("data-verdict") == spec["verdict"], f"verdict: {v.get('data-verdict') if v is not None else None} (want {spec['verdict']})")
    if "totals" in spec:
        boxes = {n.get("data-total"): n.get("data-count") for n in root.find_all(cls="total") if n.get("data-total")}
        for k, n in spec["totals"].items():
            got = boxes.get(k)
            ch.check(got == str(n) or (got is None and n == 0), f"totals: {k} is {got} (want {n})")
    rows = root.find_all("tr", cls="test-row")
    if "test_count" in spec:
        ch.check(len(rows) == spec["test_count"], f"tests table: {len(rows)} rows (want {spec['test_count']})")
    if "nodes" in spec:
        t = root.find(id="nodes")
        got = [r.get("data-node") for r in t.find_all("tr") if r.get("data-node")] if t is not None else []
        ch.check(got == spec["nodes"], f"cluster: nodes {got} (want {spec['nodes']})")
    if spec.get("failures_first"):
        order = ["FAIL", "XPASS", "XFAIL", "SKIP", "PASS"]
        ranks = [order.index(r.get("data-status")) if r.get("data-status") in order else 99 for r in rows]
        ch.check(ranks == sorted(ranks), f"tests table: not failures first: {[r.get('data-status') for r in rows]}")
    sections = root.find_all("section", cls="test")
    if spec.get("every_test_has_timeline", True):
        ch.check(len(sections) == len(rows), f"test sections: {len(sections)} for {len(rows)} table rows")
        for sec in sections:
            svg = sec.find("svg", cls="timeline-svg")
            ch.check(svg is not None, f"test {sec.get('data-test')}: no timeline SVG")
            ch.check(any(g.tag == "g" and "lane" in g.classes and g.get("data-lane") == "script" for g in svg.iter()),
                     f"test {sec.get('data-test')}: the timeline has no script lane")
    page_text = body.text()
    contains_all(ch, page_text, spec.get("text", []), "page")
    for s in spec.get("absent_text", []):
        ch.check(s not in page_text, f"page: text {s!r} should not be there")
    if "notes" in spec:
        notes = root.find(id="notes")
        ch.check(notes is not None, "notes: no notes box")
        contains_all(ch, notes.text(), spec["notes"], "notes")
    for tid, want in spec.get("tests", {}).items():
        check_test(ch, root, tid, want)


def focus_page(source, anchor):
    """The page with a script after it that leaves only the test section `anchor`, opened."""
    script = """<script>(function () {
  var keep = document.getElementById(%s);
  if (!keep) { document.body.insertBefore(document.createTextNode("check_report: no section " + %s), document.body.firstChild); return; }
  var d = keep.querySelector("details"); if (d) d.open = true;
  document.querySelectorAll("#app > *, main.wrap > *, #test-list > *").forEach(function (e) {
    if (!e.contains(keep)) e.style.display = "none";
  });
  window.scrollTo(0, 0);
})();</script>""" % (json.dumps(anchor), json.dumps(anchor))
    i = source.rfind("</body>")
    return source[:i] + script + source[i:] if i >= 0 else source + script


def build(template_path, data_path, out_path):
    with open(template_path, encoding="utf-8") as f:
        template = f.read()
    n = template.count(PLACEHOLDER)
    if n != 1:
        raise SystemExit(f"check_report: the template has {n} placeholders (want 1)")
    with open(data_path, encoding="utf-8") as f:
        data = json.load(f)
    # As the writer does: compact JSON, '<' escaped so no '</script>' can appear in the element.
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    page = template.replace(PLACEHOLDER, text, 1)
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(page)
    print(f"wrote {out_path}: {len(page.encode('utf-8'))} bytes ({len(template.encode('utf-8'))} template + {len(text.encode('utf-8'))} data)")


HERE = os.path.dirname(os.path.abspath(__file__))

HOSTILE = '<img src=x onerror="document.title=1"><script>document.title=2</script>'


def hostile_data():
    """Data a careless page would turn into markup, with wrong types and missing fields."""
    return {
        "run": {"id": "r" + HOSTILE, "nodes": [{"name": "n<b>1</b>", "role": HOSTILE}, "plain2"], "notes": [HOSTILE],
                "files": ["javascript:alert(1)", "results.yml", "/etc/passwd"]},
        "tests": [
            {"id": "s/a", "suite": "s", "key": "a", "status": "pass", "duration_s": "1.5", "error": HOSTILE, "output": HOSTILE,
             "traceback": HOSTILE, "files": ["javascript:alert(1)", {"path": "s/test_a/rpc.log", "size": 12}],
             "evidence": {"n<b>1</b>": {"f<i>.log": HOSTILE, "g.log": {"text": HOSTILE, "truncated": "12"}}},
             "calls": [{"node": "n<b>1</b>", "what": HOSTILE, "start_ms": "1", "end_ms": 5, "ok": True, "result": HOSTILE},
                       {"node": "ghost", "what": "x", "start_ms": 2, "end_ms": None, "ok": False, "error": HOSTILE}],
             "tools": [{"node": "n<b>1</b>", "argv": "lnetctl net show", "start_ms": 1, "end_ms": 2, "rc": "3", "call": 0},
                       {"node": "n<b>1</b>", "argv": [HOSTILE]}],
             "marks": [{"kind": "weird", "node": "n<b>1</b>", "at_ms": 3, "label": HOSTILE}, {"kind": "barrier_arrive", "at_ms": 1},
                       {"kind": "barrier_release", "node": "master", "at_ms": 4, "name": HOSTILE}, {"kind": "fault_add", "node": "ghost", "at_ms": 2}]},
            {"status": "WEIRD"}, None, 5,
            {"id": "s/c", "status": "SKIP", "expected_failure": True, "error": "x", "calls": "not a list", "marks": {"a": 1}},
        ],
        "suites": "not a list",
    }


def self_test(binary, keep, timeout):
    work = keep or tempfile.mkdtemp(prefix="lutf-report-selftest-")
    os.makedirs(work, exist_ok=True)
    template = os.path.join(HERE, "..", "..", "python", "lutf", "report-template.html")
    with open(template, encoding="utf-8") as f:
        source = f.read()
    pages = []
    sample = os.path.join(work, "sample.html")
    build(template, os.path.join(HERE, "sample-data.json"), sample)
    with open(os.path.join(HERE, "sample-spec.json"), encoding="utf-8") as f:
        pages.append(("sample", sample, json.load(f)))
    pages.append(("no data", template, {"state": "no-data", "text": ["No run data"]}))
    for name, text, spec in [
        ("broken JSON", '{"run": {"id": "x"', {"state": "malformed", "text": ["not valid JSON"]}),
        ("not an object", "[1, 2]", {"state": "malformed", "text": ["not a JSON object"]}),
        ("hostile", json.dumps(hostile_data()).replace("<", "\\u003c"),
         {"script_elements": 2, "test_count": 5, "text": [HOSTILE, "has an unknown status 'WEIRD'"],
          "tests": {"s/a": {"status": "PASS", "output": [HOSTILE], "error": [HOSTILE], "traceback": [HOSTILE],
                            "lanes": ["script", "n<b>1</b>", "plain2", "ghost"], "min_calls": {"n<b>1</b>": 1, "ghost": 1},
                            "evidence": {"n<b>1</b>": ["f<i>.log", "g.log"]}, "files": ["s/test_a/rpc.log"]},
                    "s/c": {"status": "XFAIL", "calls": 0}}}),
    ]:
        path = os.path.join(work, name.replace(" ", "-") + ".html")
        with open(path, "w", encoding="utf-8") as f:
            f.write(source.replace(PLACEHOLDER, text, 1))
        pages.append((name, path, spec))
    failed = 0
    for name, path, spec in pages:
        proc = run_chromium(binary, "file://" + os.path.abspath(path), ["--dump-dom"], timeout)
        dom = proc.stdout.decode("utf-8", "replace")
        ch = Checker()
        try:
            with open(path, encoding="utf-8") as f:
                check_source(ch, f.read(), spec)
            root = parse(dom)
            check_dom(ch, root, spec)
            if name == "hostile":
                ch.check(not root.find_all("img") and not any(k.startswith("on") for n in root.iter() for k in n.attrs),
                         "hostile: data became elements or handlers")
                ch.check(not any((a.get("href") or "").lower().startswith("javascript:") for a in root.find_all("a")), "hostile: a javascript: link")
            print(f"self-test {name}: {ch.passed} checks passed")
        except CheckFailed as e:
            failed += 1
            print(f"self-test {name}: FAILED: {e}", file=sys.stderr)
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{len(pages) - failed} passed, {failed} failed")
    return 1 if failed else 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("report", nargs="?", help="the report.html to check")
    ap.add_argument("--spec", help="the checks: JSON text, or @FILE")
    ap.add_argument("--screenshot", metavar="PNG", help="also save a screenshot")
    ap.add_argument("--window-size", default="1400,1000", help="for the screenshot (default 1400,1000)")
    ap.add_argument("--hash", default="", help="open the page at #HASH for the screenshot (e.g. all: every test opened)")
    ap.add_argument("--focus", metavar="ANCHOR", help="screenshot only one test's section, opened, at the top (e.g. test-dlc-01_configure);"
                    " headless Chromium paints a scrolled page badly, so the harness hides the rest in a copy")
    ap.add_argument("--dump-dom", metavar="OUT", help="save the drawn DOM")
    ap.add_argument("--chromium", help="the browser binary (default: chromium on PATH, or $CHROMIUM)")
    ap.add_argument("--timeout", type=float, default=120, help="seconds for each browser run (default 120)")
    ap.add_argument("--build", nargs=3, metavar=("TEMPLATE", "DATA", "OUT"), help="embed DATA.json in TEMPLATE, write OUT, and exit")
    ap.add_argument("--spec-help", action="store_true", help="describe the spec and exit")
    ap.add_argument("--self-test", action="store_true", help="check the template next to this script (see above)")
    ap.add_argument("--keep", metavar="DIR", help="with --self-test: write its pages to DIR and keep them")
    args = ap.parse_args(argv)

    if args.spec_help:
        print(SPEC_HELP)
        return 0
    if args.build:
        build(*args.build)
        return 0
    if args.self_test:
        binary = chromium_binary(args.chromium)
        if binary is None:
            print("check_report: no chromium found (apt-get install chromium, or give --chromium)", file=sys.stderr)
            return 2
        return self_test(binary, args.keep, args.timeout)
    if not args.report:
        ap.print_usage(sys.stderr)
        print("check_report: give a report.html (or --build, --spec-help)", file=sys.stderr)
        return 2
    spec = {}
    if args.spec:
        try:
            if args.spec.startswith("@"):
                with open(args.spec[1:], encoding="utf-8") as f:
                    spec = json.load(f)
            else:
                spec = json.loads(args.spec)
        except (OSError, ValueError) as e:
            print(f"check_report: cannot read the spec: {e}", file=sys.stderr)
            return 2
        if not isinstance(spec, dict):
            print("check_report: the spec must be a JSON object", file=sys.stderr)
            return 2
    path = os.path.abspath(args.report)
    try:
        with open(path, encoding="utf-8") as f:
            source = f.read()
    except (OSError, UnicodeDecodeError) as e:
        print(f"check_report: cannot read {args.report}: {e}", file=sys.stderr)
        return 2
    binary = chromium_binary(args.chromium)
    if binary is None:
        print("check_report: no chromium found (apt-get install chromium, or give --chromium)", file=sys.stderr)
        return 2
    url = "file://" + path
    proc = run_chromium(binary, url, ["--dump-dom"], args.timeout)
    dom = proc.stdout.decode("utf-8", "replace")
    if proc.returncode != 0 or "<body" not in dom:
        print(f"check_report: chromium failed (exit {proc.returncode}): {proc.stderr.decode('utf-8', 'replace')[-2000:]}", file=sys.stderr)
        return 2
    if args.dump_dom:
        with open(args.dump_dom, "w", encoding="utf-8") as f:
            f.write(dom)
    if args.screenshot:
        shot = os.path.abspath(args.screenshot)
        shot_url, copy = url + ("#" + args.hash if args.hash else ""), None
        if args.focus:
            fd, copy = tempfile.mkstemp(prefix=".focus-", suffix=".html", dir=os.path.dirname(path))
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(focus_page(source, args.focus))
            shot_url = "file://" + copy
        try:
            proc2 = run_chromium(binary, shot_url, ["--hide-scrollbars", "--screenshot=" + shot, "--window-size=" + args.window_size], args.timeout)
        finally:
            if copy:
                os.unlink(copy)
        if proc2.returncode != 0 or not os.path.exists(shot):
            print(f"check_report: the screenshot failed (exit {proc2.returncode}): {proc2.stderr.decode('utf-8', 'replace')[-2000:]}", file=sys.stderr)
            return 2

    ch = Checker()
    try:
        size = check_source(ch, source, spec)
        check_dom(ch, parse(dom), spec)
    except CheckFailed as e:
        print(f"check_report: FAILED: {e}", file=sys.stderr)
        print(f"{ch.passed} passed, 1 failed")
        return 1
    render_ms = parse(dom).find("body").get("data-render-ms")
    print(f"check_report: {args.report}: {size} bytes, drawn in {render_ms} ms, all {ch.passed} checks passed" + (f"; screenshot {args.screenshot}" if args.screenshot else ""))
    print(f"{ch.passed} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
