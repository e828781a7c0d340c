// eotext review: every string from the dataset is inserted with textContent, never as HTML.
"use strict";
const TOKEN = document.querySelector('meta[name="eotext-token"]').content;
const state = { items: [], index: -1, current: null, editing: false };

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const c of children) {
    node.append(c instanceof Node ? c : document.createTextNode(String(c ?? "")));
  }
  return node;
}

async function api(path, options) {
  const opts = options || {};
  opts.headers = Object.assign({ Authorization: "Bearer " + TOKEN }, opts.headers || {});
  const response = await fetch(path, opts);
  const body = await response.json();
  return { status: response.status, body };
}

function fileUrl(kind, patchId) {
  return "/files/" + kind + "/" + encodeURIComponent(patchId) + "?token=" + encodeURIComponent(TOKEN);
}

function filters() {
  const q = new URLSearchParams();
  for (const name of ["status", "finding", "class", "split", "type"]) {
    const v = document.getElementById("f-" + name).value;
    if (v) q.set(name === "class" ? "cls" : name, v);
  }
  if (document.getElementById("bench-mode").checked) q.set("split", "bench");
  return q.toString();
}

async function loadFacets() {
  const { body } = await api("/api/facets");
  for (const [name, values] of Object.entries(body)) {
    const select = document.getElementById("f-" + name);
    for (const v of values) select.append(el("option", { value: v }, v));
    select.addEventListener("change", () => loadList());
  }
  document.getElementById("bench-mode").addEventListener("change", () => loadList());
  document.getElementById("who").value = localStorage.getItem("eotext-who") || "reviewer";
  document.getElementById("who").addEventListener("change", (e) =>
    localStorage.setItem("eotext-who", e.target.value));
}

async function loadList(keep) {
  const { body } = await api("/api/texts?" + filters());
  state.items = body;
  const list = document.getElementById("list");
  list.replaceChildren(...body.map((item, i) => {
    const li = el("li", { class: "item status-" + item.status, "data-id": item.text_id },
      el("span", { class: "badge" }, item.status),
      item.findings ? el("span", { class: "nfind" }, item.findings + " finding(s)") : "",
      el("span", { class: "tid" }, item.text_id),
      el("span", { class: "snippet" }, item.snippet));
    li.addEventListener("click", () => select(i));
    return li;
  }));
  await updateProgress();
  if (keep && state.index >= 0 && state.index < body.length) await select(state.index);
  else if (body.length) await select(0);
  else document.getElementById("detail").replaceChildren(el("p", {}, "No texts match."));
}

async function updateProgress() {
  const bench = document.getElementById("bench-mode").checked;
  const node = document.getElementById("progress");
  if (!bench) { node.textContent = ""; return; }
  const { body } = await api("/api/progress?split=bench");
  node.textContent = "bench: " + body.decided + " of " + body.total + " decided";
}

function highlighted(text, findings) {
  // The text as text nodes, with each finding's span wrapped in a <mark>.
  const spans = findings.filter((f) => Array.isArray(f.span) && f.span[1] > f.span[0])
    .map((f) => [f.span[0], f.span[1], f]).sort((a, b) => a[0] - b[0]);
  const out = el("p", { class: "text", id: "text-body" });
  let at = 0;
  for (const [s, e, f] of spans) {
    if (s < at) continue;
    out.append(document.createTextNode(text.slice(at, s)));
    out.append(el("mark", { title: f.kind + ": expected " + f.expected + ", found " + f.found },
      text.slice(s, e)));
    at = e;
  }
  out.append(document.createTextNode(text.slice(at)));
  return out;
}

async function select(i) {
  if (i < 0 || i >= state.items.length) return;
  state.index = i;
  state.editing = false;
  for (const li of document.querySelectorAll("#list li")) li.classList.remove("selected");
  const li = document.querySelectorAll("#list li")[i];
  if (li) { li.classList.add("selected"); li.scrollIntoView({ block: "nearest" }); }
  const { body } = await api("/api/texts/" + encodeURIComponent(state.items[i].text_id));
  state.current = body;
  render();
}

function render(message) {
  const t = state.current;
  const detail = document.getElementById("detail");
  const images = el("div", { class: "images" });
  if (t.patch.has_preview) images.append(el("img", { src: fileUrl("preview", t.patch_id), alt: "preview" }));
  if (t.patch.has_labels) images.append(el("img", { src: fileUrl("labels", t.patch_id), alt: "label map" }));
  const stats = el("table", { class: "stats" }, el("tr", {}, el("th", {}, "class"), el("th", {}, "share")),
    ...t.patch.classes.map(([k, v]) => el("tr", {}, el("td", {}, k), el("td", {}, (100 * v).toFixed(1) + " %"))));
  const findings = el("ul", { class: "findings", id: "findings" }, ...t.findings.map((f) =>
    el("li", {}, el("b", {}, f.kind), ": ", el("q", {}, f.claim), " — expected ", f.expected, "; found ", f.found)));
  const history = el("ol", { class: "history", id: "history" }, ...t.history.map((h) =>
    el("li", {}, h.at + " " + h.who + " " + h.action + (h.rule ? " (" + h.rule + ")" : "") +
      ": " + (h.before.status || "") + " → " + (h.after.status || ""))));
  const children = [
    el("h2", {}, t.text_id),
    el("p", { class: "meta" }, t.type + (t.style ? " / " + t.style : "") + " · " + t.generator +
      " · split " + (t.patch.split || "-") + " · version " + t.version),
    el("p", { class: "status", id: "status" }, "Status: " + t.status),
    images, stats,
  ];
  if (message) children.push(el("p", { class: "message", id: "message" }, message));
  if (t.question) children.push(el("p", { class: "question" }, "Q: " + t.question));
  if (state.editing) {
    const area = el("textarea", { id: "editor", rows: "8" });
    area.value = t.text;
    children.push(area, el("p", {}, "Ctrl+Enter saves, Esc cancels."));
  } else {
    children.push(highlighted(t.text || "", t.findings));
  }
  if (t.meta && t.meta.original_text) children.push(el("details", {}, el("summary", {}, "original text"), el("p", { id: "original" }, t.meta.original_text)));
  const buttons = el("div", { class: "buttons" });
  for (const [label, action] of [["Approve (a)", "approve"], ["Reject (r)", "reject"], ["Edit (e)", "edit"]]) {
    const b = el("button", { id: "btn-" + action }, label);
    b.addEventListener("click", () => action === "edit" ? startEdit() : decide(action));
    buttons.append(b);
  }
  children.push(buttons, el("h3", {}, "Findings"), findings, el("h3", {}, "History"), history);
  detail.replaceChildren(...children);
  if (state.editing) document.getElementById("editor").focus();
}

function startEdit() { state.editing = true; render(); }

async function decide(action, text) {
  const t = state.current;
  const who = document.getElementById("who").value || "reviewer";
  const { status, body } = await api("/api/texts/" + encodeURIComponent(t.text_id) + "/decision", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ action, version: t.version, who, text }),
  });
  if (status === 409) {
    const fresh = await api("/api/texts/" + encodeURIComponent(t.text_id));
    state.current = fresh.body;
    state.editing = false;
    render("Conflict: " + body.error + ". Reload shows the current text.");
    return;
  }
  if (status !== 200) { render("Error: " + body.error); return; }
  const item = state.items[state.index];
  item.status = body.status;
  const li = document.querySelectorAll("#list li")[state.index];
  if (li) { li.className = "item selected status-" + body.status; li.querySelector(".badge").textContent = body.status; }
  await updateProgress();
  const fresh = await api("/api/texts/" + encodeURIComponent(t.text_id));
  state.current = fresh.body;
  state.editing = false;
  render("Saved: " + body.status);
}

document.addEventListener("keydown", (e) => {
  if (state.editing) {
    if (e.key === "Escape") { state.editing = false; render(); }
    else if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      decide("edit", document.getElementById("editor").value);
    }
    return;
  }
  if (e.target && (e.target.tagName === "INPUT" || e.target.tagName === "SELECT")) return;
  if (e.key === "j" || e.key === "ArrowDown") select(state.index + 1);
  else if (e.key === "k" || e.key === "ArrowUp") select(state.index - 1);
  else if (e.key === "a" && state.current) decide("approve");
  else if (e.key === "r" && state.current) decide("reject");
  else if (e.key === "e" && state.current) { e.preventDefault(); startEdit(); }
});

window.addEventListener("DOMContentLoaded", async () => { await loadFacets(); await loadList(); document.body.dataset.ready = "1"; });
