"""Prints 4 MB of the same line: its results.zip must be compressed."""


def run():
    line = "the same line of output, again and again, to be compressed in results.zip\n"
    print(line * (4_000_000 // len(line)))
