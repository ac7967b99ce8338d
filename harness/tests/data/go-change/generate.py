"""Generates random IsComponentChanged cases (seeded), one JSON object per line:
{"rule": ValidationRule, "old": ComponentSpec, "new": ComponentSpec}."""
import json, random

random.seed(20261125)
KEYS = ["a", "A", "env.x", "env.Y", "b c", "img", "a\nb"]
VALUES = [1, 1.0, 1000000, 0.00001, 2.5, -0.0, 9007199254740993, "1", "1e+06", "1000000", "NGINX", "nginx", "",
          "map[a:1]", "<nil>", "true", "TRUE", "abc", "abcdef", True, False, None, ["a b", "c"], ["a", "b c"], [],
          {"a": 1}, {"a": "1"}, {"B": 1, "a": 2}, {"b": 1, "A": 2}, {}]
NAMES = ["*", "a", "A", "env.*", "*x", "img", "name", "e*.*", "**"]

def props():
    return {k: random.choice(VALUES) for k in random.sample(KEYS, random.randint(0, 4))}

def meta():
    return {k: random.choice(["x", "X", "", "1", "abc", "ab"]) for k in random.sample(KEYS, random.randint(0, 3))}

def entry():
    return {"name": random.choice(NAMES), "ignoreCase": random.random() < 0.5, "skipIfMissing": random.random() < 0.5,
            "prefixMatch": random.random() < 0.3, "isComponentName": random.random() < 0.2}

def sidecars():
    return [{"name": random.choice(["s", "t"]), "properties": props()} for _ in range(random.randint(0, 2))]

def component(name):
    c = {"name": name}
    p, m, s = props(), meta(), sidecars()
    if p: c["properties"] = p
    if m: c["metadata"] = m
    if s: c["sidecars"] = s
    return c

for _ in range(600):
    rule = {"componentValidationRule": {"changeDetection": [entry() for _ in range(random.randint(0, 3))],
                                        "changeDetectionMetadata": [entry() for _ in range(random.randint(0, 2))]},
            "sidecarValidationRule": {"changeDetection": [entry() for _ in range(random.randint(0, 2))]},
            "allowSidecar": random.random() < 0.5}
    old = component(random.choice(["web", "web", "Web", "we"]))
    new = component("web")
    if random.random() < 0.4:  # often compare near-identical components
        new = json.loads(json.dumps(old)); new["name"] = "web"
        if new.get("properties") and random.random() < 0.5:
            k = random.choice(list(new["properties"])); new["properties"][k] = random.choice(VALUES)
    print(json.dumps({"rule": rule, "old": old, "new": new}))
