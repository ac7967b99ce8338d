"""Generates random planning cases (seeded), one JSON object per line:
{"deployment": DeploymentSpec, "previous": DeploymentState|null, "current": DeploymentState, "remove": bool}."""
import json, random

random.seed(20261126)
NAMES = ["a", "b", "c", "d", "e"]
TYPES = ["w", "w", "x", "", "", "instance", "container"]
TARGETS = ["T10", "T2", "a", "edge"]

def comp(name, others):
    c = {"name": name}
    t = random.choice(TYPES)
    if t: c["type"] = t
    r = random.random()
    if r < 0.45 and others:
        deps = random.sample(others, random.randint(1, min(2, len(others))))
        if random.random() < 0.05: deps.append(deps[0])
        if random.random() < 0.04: deps.append("ghost")
        c["dependencies"] = deps
    c["properties"] = {"v": random.choice([1, "x", True])}
    return c

def role(c):
    return c.get("type") or "instance"

for _ in range(500):
    names = random.sample(NAMES, random.randint(0, 5))
    if names and random.random() < 0.05: names.append(names[0])
    # dependencies only on earlier-declared or later names, no cycles unless chosen
    comps = []
    for i, n in enumerate(names):
        pool = names[:i] if random.random() < 0.9 else names
        comps.append(comp(n, [p for p in pool if p != n] or ([] if random.random() < 0.9 else [n])))
    random.shuffle(comps)
    targets = random.sample(TARGETS, random.randint(1, 3))
    assignments = {t: "".join("{%s}" % c["name"] for c in comps if random.random() < 0.7) for t in targets}
    if random.random() < 0.1: assignments["ghost"] = "{a}"
    dep = {"solutionversionName": "s", "solutionversion": {"metadata": {"name": "s"}, "spec": {"components": comps}},
           "instance": {"metadata": {"name": "i"}, "spec": {"solutionversion": "s"}},
           "targets": {t: {"metadata": {"name": t}, "spec": {}} for t in targets},
           "assignments": assignments}
    previous = None
    if random.random() < 0.6:
        pnames = random.sample(NAMES + ["old", "gone"], random.randint(0, 4))
        pcomps = [comp(n, []) for n in pnames]
        ptargets = random.sample(TARGETS + ["retired"], random.randint(1, 3))
        tc = {}
        for c in pcomps:
            for t in ptargets:
                if random.random() < 0.6:
                    tc["%s::%s" % (c["name"], t)] = ("-" if random.random() < 0.15 else "") + role(c)
        previous = {"components": pcomps, "targets": [{"name": t} for t in ptargets], "targetComponent": tc}
    cnames = random.sample(NAMES + ["stray"], random.randint(0, 3))
    ccomps = [{"name": n, "type": random.choice(["w", "x", ""])} for n in cnames]
    tc = {}
    for c in ccomps:
        for t in targets:
            if random.random() < 0.6:
                tc["%s::%s" % (c["name"], t)] = c["type"] or "container"
    current = {"components": ccomps, "targets": [{"name": t} for t in sorted(targets)], "targetComponent": tc}
    print(json.dumps({"deployment": dep, "previous": previous, "current": current, "remove": random.random() < 0.2}))
