// The page of `symphony-harness serve`: signs in as Symphony's `admin` test user, reads
// `/harness/v1/objects` every second and draws each object with its rounds. Text only goes
// in through `textContent`: names and provider output are never read as HTML.
"use strict";

let token = null;

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, value);
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function signIn() {
  const answer = await fetch("/v1alpha2/users/auth", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: "admin", password: "" }),
  });
  if (!answer.ok) throw new Error("sign-in failed: " + answer.status);
  token = (await answer.json()).accessToken;
}

async function get(path) {
  if (!token) await signIn();
  const answer = await fetch(path, { headers: { Authorization: "Bearer " + token } });
  if (answer.status === 401) { token = null; throw new Error("signed out; signing in again"); }
  if (!answer.ok) throw new Error(path + ": " + answer.status);
  return answer;
}

function callChip(entry) {
  if (entry.decision) {
    const d = entry.decision;
    const text = "step " + d.step + " " + d.decision;
    return el("span", { class: "call decision", title: d.reason || "every component unchanged" }, text);
  }
  const c = entry.call;
  const ok = c.outcome === "ok";
  const parts = [c.call];
  if (c.components && c.components.length) parts.push("[" + c.components.join(" ") + "]");
  parts.push(c.outcome);
  return el("span", { class: "call " + (ok ? "ok" : "failed"), title: c.message || "" }, parts.join(" "));
}

function printed(round) {
  const blocks = [];
  for (const entry of round.transcript.events) {
    const c = entry.call;
    if (!c) continue;
    for (const [stream, text] of Object.entries(c.printed || {})) {
      blocks.push(c.call + " (" + stream + "):\n" + text.trimEnd());
    }
    if (c.message) blocks.push(c.call + " ended " + c.outcome + ":\n" + c.message);
  }
  if (!blocks.length) return null;
  return el("details", {}, el("summary", {}, "provider output and errors"), el("pre", {}, blocks.join("\n\n")));
}

function roundItem(round) {
  const at = round.at.replace("T", " ").replace("Z", " UTC");
  const last = round.transcript.round;
  const which = round.repeats > 1
    ? "rounds " + (last - round.repeats + 1) + "–" + last + " (the same " + round.repeats + " times)"
    : "round " + last;
  const summary = which + " · " + round.trigger + " · " + at + " · " + round.status +
    " · applied " + round.applied + ", skipped " + round.skipped +
    (round.outcome === "ok" ? "" : " · ended " + round.outcome);
  const calls = el("div", { class: "calls" }, ...round.transcript.events.map(callChip));
  const failure = round.transcript.failure
    ? el("div", { class: "error" }, round.transcript.failure.message) : null;
  const stops = round.symphonyStops ? el("div", { class: "error" }, "In Symphony: " + round.symphonyStops) : null;
  return el("li", { class: "round", "data-round": String(last) },
    el("div", { class: "summary" }, summary), calls, failure, stops, printed(round));
}

async function downloadScenario(kind, object) {
  const path = "/harness/v1/" + kind + "s/" + encodeURIComponent(object.name) +
    "/scenario?namespace=" + encodeURIComponent(object.namespace);
  const answer = await get(path);
  const url = URL.createObjectURL(await answer.blob());
  const link = el("a", { href: url, download: object.name + ".json" });
  document.body.append(link);
  link.click();
  link.remove();
}

function rounds(record) {
  const last = record.rounds[record.rounds.length - 1];
  return last ? last.transcript.round : 0;
}

function objectCard(record) {
  const o = record.object;
  const name = o.namespace === "default" ? o.name : o.namespace + "/" + o.name;
  const button = el("button", { type: "button" }, "scenario file");
  button.addEventListener("click", () => downloadScenario(o.kind, o).catch(showError));
  const head = el("div", { class: "head" },
    el("h2", {}, o.kind + " " + name),
    el("span", { class: "badge " + record.status }, record.status),
    record.deleted ? el("span", { class: "muted" }, "deleted") : null,
    el("span", { class: "muted" }, rounds(record) + " round(s)"),
    record.rounds.length ? button : null);
  const error = record.jobError ? el("div", { class: "error" }, record.jobError) : null;
  const earlier = record.earlier
    ? el("p", { class: "muted" }, record.earlier + " earlier entries are in /harness/v1/" + o.kind + "s/" + o.name) : null;
  const timeline = el("ol", { class: "rounds" }, ...record.rounds.map(roundItem).reverse());
  return el("section", { class: "object" + (record.deleted ? " deleted" : ""), "data-object": o.kind + " " + o.namespace + "/" + o.name },
    head, error, timeline, earlier);
}

function showError(err) {
  document.getElementById("state").textContent = String(err.message || err);
}

async function refresh() {
  try {
    const records = await (await get("/harness/v1/objects")).json();
    const main = document.getElementById("objects");
    if (!records.length) {
      main.replaceChildren(el("p", { class: "muted" },
        "No targets yet: POST one to /v1alpha2/targets/registry/<name> (docs/serve.md)."));
    } else {
      main.replaceChildren(...records.map(objectCard));
    }
    document.getElementById("state").textContent = "refreshed " + new Date().toLocaleTimeString();
  } catch (err) {
    showError(err);
  } finally {
    setTimeout(refresh, 1000);
  }
}

refresh();
