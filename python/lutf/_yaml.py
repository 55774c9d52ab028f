"""A small block-YAML reader for the output of lnetctl, lctl and lst (standard library only).

It reads what those tools print: block mappings and sequences (indented or not under their
key), plain, single- and double-quoted scalars (with libyaml's ``! `` tag), scalars folded
onto continuation lines, and several documents (``---`` / ``...``). Plain scalars that look
like integers become ints, ``true``/``false`` booleans; everything else stays a string.
"""

import re

_INT = re.compile(r"^-?\d+$")


class YAMLError(ValueError):
    pass


def _scalar(text):
    text = text.strip()
    if text.startswith("! "):
        text = text[2:].strip()
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        body = text[1:-1]
        return re.sub(r'\\(["\\/nt])', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)
    if len(text) >= 2 and text[0] == "'" and text[-1] == "'":
        return text[1:-1].replace("''", "'")
    if text in ("", "~", "null"):
        return None
    if _INT.match(text):
        return int(text)
    if text in ("true", "false"):
        return text == "true"
    if text == "[]":
        return []
    if text == "{}":
        return {}
    return text


def _split_key(text):
    """(key, rest) for ``key: value`` / ``key:``, else None (quoted scalars never split)."""
    if text[:1] in ('"', "'"):
        return None
    match = re.match(r"^([^:#][^:]*?):(?:\s+(.*))?$", text)
    if not match:
        return None
    return match.group(1), (match.group(2) or "")


class _Lines:
    def __init__(self, text):
        self.items = []
        for raw in text.split("\n"):
            if not raw.strip() or raw.strip().startswith("#"):
                continue
            indent = len(raw) - len(raw.lstrip(" "))
            self.items.append((indent, raw.strip()))
        self.pos = 0

    def peek(self):
        return self.items[self.pos] if self.pos < len(self.items) else None


def _continuation(lines, indent, text):
    """Joins folded continuation lines (deeper, not keys or items) onto a scalar."""
    while True:
        nxt = lines.peek()
        if nxt is None or nxt[0] <= indent or nxt[1].startswith("- ") or nxt[1] == "-":
            return text
        if _split_key(nxt[1]) is not None and not (text.startswith('"') or text.startswith("! \"") or text.startswith("'") or text.startswith("! '")):
            return text
        text += " " + nxt[1]
        lines.pos += 1


def _value(lines, indent):
    """The node starting at the next line, which is deeper than ``indent`` (or an indentless
    sequence at ``indent``)."""
    nxt = lines.peek()
    if nxt is None:
        return None
    if nxt[1].startswith("- ") or nxt[1] == "-":
        if nxt[0] < indent:
            return None
        return _sequence(lines, nxt[0])
    if nxt[0] <= indent:
        return None
    return _mapping(lines, nxt[0])


def _mapping(lines, indent, first=None):
    result = {}
    if first is not None:
        key, rest, line_indent = first
        result[key] = _entry_value(lines, line_indent, rest, key_column=indent)
    while True:
        nxt = lines.peek()
        if nxt is None or nxt[0] != indent or nxt[1].startswith("- ") or nxt[1] == "-":
            return result
        split = _split_key(nxt[1])
        if split is None:
            raise YAMLError("expected 'key: value' at %r" % nxt[1])
        lines.pos += 1
        result[split[0]] = _entry_value(lines, indent, split[1], key_column=indent)


def _entry_value(lines, indent, rest, key_column):
    if rest.strip():
        return _scalar(_continuation(lines, key_column, rest))
    return _value(lines, key_column)


def _sequence(lines, indent):
    result = []
    while True:
        nxt = lines.peek()
        if nxt is None or nxt[0] != indent or not (nxt[1].startswith("- ") or nxt[1] == "-"):
            return result
        lines.pos += 1
        body = nxt[1][1:]
        stripped = body.lstrip(" ")
        if not stripped:
            result.append(_value(lines, indent))
            continue
        column = indent + 1 + (len(body) - len(stripped))
        split = _split_key(stripped)
        if split is None:
            result.append(_scalar(_continuation(lines, column, stripped)))
        else:
            result.append(_mapping(lines, column, first=(split[0], split[1], column)))


def load_all(text):
    """Every document in ``text`` (separated by ``---`` or ended by ``...``)."""
    docs = []
    for chunk in re.split(r"^(?:---|\.\.\.)\s*$", text, flags=re.M):
        if not chunk.strip():
            continue
        lines = _Lines(chunk)
        first = lines.peek()
        if first[1].startswith("- ") or first[1] == "-":
            docs.append(_sequence(lines, first[0]))
        else:
            docs.append(_mapping(lines, first[0]))
        if lines.peek() is not None:
            raise YAMLError("unexpected line %r" % (lines.peek()[1],))
    return docs


def load(text):
    """All documents of ``text`` merged into one mapping (lnetctl prints sections as documents)."""
    merged = {}
    for doc in load_all(text):
        if isinstance(doc, dict):
            merged.update(doc)
    return merged
