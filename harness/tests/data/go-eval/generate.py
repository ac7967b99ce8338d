"""Generates random components (seeded) for evaluation, one JSON object per line."""
import json, random

random.seed(20261127)
STRINGS = ["", " ", "1.0", "1", "1e6", " 7 ", "abc", "true", "null", "nginx:1.25", "{ \"b\":1, \"a\":2.0 }",
           "[1e6, 2.50, \"\"]", "{\"k\":\"\",\"l\":[\"\"],\"m\":{\"n\":\"1.0\"}}", "<&>", "1e400", "${{ oops",
           "\"quoted\"", "[]", "{}", "-0", "9007199254740993", "0.00001", "{\"a\":\"<b>\"}", "tab\there", "a}}b"]
SCALARS = [1, 2.5, 1e6, -0.0, True, False, None, 9007199254740993]

def value(depth=0):
    r = random.random()
    if r < 0.55 or depth > 2:
        return random.choice(STRINGS) if random.random() < 0.8 else random.choice(SCALARS)
    if r < 0.8:
        return {k: value(depth + 1) for k in random.sample(["x", "y", "Z"], random.randint(0, 3))}
    return [value(depth + 1) for _ in range(random.randint(0, 3))]

for i in range(400):
    c = {"name": "c%d" % i}
    props = {k: value() for k in random.sample(["p", "q", "r", "s"], random.randint(0, 4))}
    meta = {k: random.choice(STRINGS) for k in random.sample(["m", "n"], random.randint(0, 2))}
    if props: c["properties"] = props
    if meta: c["metadata"] = meta
    print(json.dumps(c))
