"""Several Python threads calling remote methods at the same time."""

import threading
import time

import lutf


class Worker(lutf.BaseTest):
    def work(self, index, seconds):
        time.sleep(seconds)
        return {"index": index, "node": lutf.me.name}


def run():
    targets = lutf.agents()
    workers = [Worker(target=t) for t in targets]
    results = {}
    errors = []

    def call(index):
        try:
            results[index] = workers[index % len(workers)].work(index, 0.5)
        except Exception as error:  # collected and reported below
            errors.append(error)

    started = time.time()
    threads = [threading.Thread(target=call, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - started
    assert not errors, errors
    assert sorted(results) == list(range(12)), results
    for index, result in results.items():
        assert result["index"] == index and result["node"] == targets[index % len(targets)].name, result
    # 12 calls of 0.5 s each took far less than 6 s: they ran concurrently.
    assert elapsed < 4.0, "calls ran one after another (%.1f s)" % elapsed
