"""lst stat output format (LNET.md §7): per group a [LNet Rates of G] block with [R]/[W] lines
(`%-8.0f` RPC/s) and a [LNet Bandwidth of G] block (`%-8.2f` MiB/s, one trailing space);
--bw/--rate select blocks; --read and --write select lines, inverted on 6.1 (--read shows [W],
--write [R]); --avg only Avg (`RPC/s ` then), --mbs MB/s (padded `MB/s  `); invalid --count/--delay
messages on stderr; a stat while the batch runs reports traffic."""

import re

import lutf

from st_helpers import Selftest, on_tcp

RATE = re.compile(r"^\[([RW])\] Avg: [-\d.]+ *RPC/s Min: [-\d.]+ *RPC/s Max: [-\d.]+ *RPC/s$")
BW = re.compile(r"^\[([RW])\] Avg: [-\d.]+ *MiB/s Min: [-\d.]+ *MiB/s Max: [-\d.]+ *MiB/s $")


def run():
    (client, c0), (server, s0) = on_tcp("client", "OSS")
    console = Selftest(target=lutf.get_target("client"))

    def lst(*args):
        return console.lst(*args, key=777)

    assert lst("new_session", "--force", "fmt")["rc"] == 0
    try:
        for args in (("add_group", "c", c0), ("add_group", "s", s0), ("add_batch", "b"),
                     ("add_test", "--batch", "b", "--concurrency", "4", "--from", "c", "--to", "s", "brw", "write",
                      "size=1M"), ("run", "b")):
            r = lst(*args)
            assert r["rc"] == 0, (args, r)
        out = lst("stat", "--delay", "1", "--count", "1", "s")["stdout"].splitlines()
        assert out[0] == "[LNet Rates of s]" and out[3] == "[LNet Bandwidth of s]" and len(out) == 6, out
        assert [RATE.match(l).group(1) for l in out[1:3]] == ["R", "W"], out
        assert [BW.match(l).group(1) for l in out[4:6]] == ["R", "W"], out
        # Each number is printed left-justified in 8 columns (Avg: 1200     RPC/s).
        assert re.match(r"^\[R\] Avg: (\S+ *) RPC/s", out[1]) and len(re.match(r"^\[R\] Avg: (\S+ *) RPC/s",
                                                                              out[1]).group(1)) >= 8, out[1]
        received = float(out[1].split()[2])
        assert received > 0, out

        out = lst("stat", "--delay", "1", "--count", "1", "--bw", "--read", "s")["stdout"].splitlines()
        assert len(out) == 2 and out[0] == "[LNet Bandwidth of s]" and BW.match(out[1]).group(1) == "W", out
        out = lst("stat", "--delay", "1", "--count", "1", "--rate", "--write", "--avg", "c")["stdout"].splitlines()
        assert len(out) == 2 and out[0] == "[LNet Rates of c]", out
        assert re.match(r"^\[R\] Avg: [-\d.]+ *RPC/s $", out[1]), out
        out = lst("stat", "--delay", "1", "--count", "1", "--bw", "--mbs", "s")["stdout"].splitlines()
        assert all(l.count("MB/s  ") == 3 for l in out[1:]) and len(out) == 3, out

        r = lst("stat", "--count", "-2", "s")
        assert (r["stdout"], r["stderr"]) == ("", "Invalid count value\n"), r
        r = lst("stat", "--delay", "0", "s")
        assert (r["stdout"], r["stderr"]) == ("", "Invalid timeout or delay value\n"), r
        r = lst("stat")
        assert r["rc"] == 4 and r["stdout"].startswith("Usage: lst stat "), r
        assert lst("stop", "b")["rc"] == 0
    finally:
        lst("end_session")
