import lutf


class Boom(lutf.BaseTest):
    def go(self):
        print("about to fail on", lutf.me.name)
        raise KeyError("missing-nid")


def run():
    Boom(target=lutf.get_target("MDS")).go()
