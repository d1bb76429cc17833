/* execbench trace viewer: step through a trace loaded from traces/tN.js (+ row chunks).
 * No network: data arrives as <script> files that call EBViewer.head / EBViewer.rows.
 * Rows are the execution-order listing computed in Python (execbench.trace.render). */
"use strict";
(function () {
  const ROW_H = 22;
  const V = {
    d: null, list: [], chunksLoaded: 0, step: 0, bps: new Set(), open: new Set(),
    frameSteps: new Map(), visible: [], rowOfStep: null, selected: null,
    readyMs: null, lastActionMs: null, timings: {}, base: "traces/",
  };
  window.EBViewer = V;
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    if (attrs) for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function load(src) {
    const s = el("script", { src: src });
    document.body.appendChild(s);
  }

  V.boot = function (base) {
    V.base = base || V.base;
    const m = /(?:^|[#&])t=(\d+)/.exec(location.hash);
    if (!m) { $("v-title").textContent = "No trace selected"; return; }
    V.id = m[1];
    load(V.base + "t" + V.id + ".js");
  };

  V.head = function (d) {
    V.timings.head = performance.now();
    V.d = d;
    V.rowOfStep = new Int32Array(d.steps).fill(-1);
    document.title = "Trace " + (d.title || "") + " — execbench";
    $("v-title").textContent = "Trace" + (d.title ? " of " + d.title : "");
    const call = d.entry ? d.entry + "(" + (d.call || "") + ")" : "the module body";
    let end = d.status === "ok" ? "returned " + d.return : d.status === "cut" ? "cut at the " + d.cut.reason + " limit" :
      "raised " + d.exception.type + ": " + d.exception.message;
    $("v-meta").textContent = call + " — " + d.steps + " steps — " + end;
    $("v-goto").max = Math.max(0, d.steps - 1);
    renderSource();
    for (let k = 0; k < d.chunks; k++) load(V.base + "t" + V.id + "-" + k + ".js");
    if (d.chunks === 0) ready();
  };

  V.rows = function (k, rows) {
    const off = k * V.d.chunk;
    for (let i = 0; i < rows.length; i++) {
      V.list[off + i] = rows[i];
      const r = rows[i];
      if (r[0] === "line" && V.rowOfStep[r[2]] === -1) V.rowOfStep[r[2]] = off + i;
    }
    V.chunksLoaded++;
    V.timings["chunk" + k] = performance.now();
    if (V.chunksLoaded === V.d.chunks) ready();
  };

  function ready() {
    buildVisible();
    V.timings.visible = performance.now();
    bindControls();
    go(0);
    V.readyMs = performance.now();
    document.body.setAttribute("data-ready", "1");
  }

  // ---- folds (loops shown as first/last iterations) -------------------------------------
  function foldOf(kind, step) {
    const f = V.d.folds;
    let lo = 0, hi = f.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (f[mid][1] < step) lo = mid + 1; else if (f[mid][0] > step) hi = mid - 1; else {
        const inside = (kind === "line" || kind === "after") ? true : step > f[mid][0];
        return inside ? mid : -1;
      }
    }
    return -1;
  }

  function buildVisible() {
    const vis = [];
    const shown = new Set();
    for (let i = 0; i < V.list.length; i++) {
      const r = V.list[i];
      const f = foldOf(r[0], r[2]);
      if (f >= 0 && !V.open.has(f)) {
        if (!shown.has(f)) { shown.add(f); vis.push(-1 - f); }
        continue;
      }
      vis.push(i);
    }
    V.visible = vis;
    $("v-rows-inner").style.height = vis.length * ROW_H + "px";
    renderRows();
  }

  function rowText(r) {
    const pad = "  ".repeat(r[1]);
    switch (r[0]) {
      case "line": return pad + "line " + r[3] + ": " + r[4] + (r[5] ? "  → " + r[5] : "");
      case "after": return pad + "→ " + r[4];
      case "call": return pad + "call " + r[4];
      case "return": return pad + "return " + r[4];
      case "yield": return pad + "yield " + r[4];
      case "resume": return pad + "resume " + r[4];
      case "exception": return pad + "raises " + r[4] + " (line " + r[3] + ")";
      case "stdout": return pad + "stdout | " + r[4];
      case "elided": return pad + "... " + r[4];
      default: return pad + r[4];
    }
  }
  V.rowText = rowText;

  function renderRows() {
    const box = $("v-rows");
    const inner = $("v-rows-inner");
    const first = Math.max(0, Math.floor(box.scrollTop / ROW_H) - 5);
    const last = Math.min(V.visible.length, first + Math.ceil(box.clientHeight / ROW_H) + 10);
    inner.textContent = "";
    const cur = V.rowOfStep ? V.rowOfStep[V.step] : -1;
    for (let j = first; j < last; j++) {
      const idx = V.visible[j];
      const div = el("div", { class: "vrow", role: "listitem" });
      div.style.top = j * ROW_H + "px";
      if (idx < 0) {
        const f = V.d.folds[-1 - idx];
        div.textContent = "... " + f[3] + " iterations of the loop at line " + f[2] + " folded (steps " + f[0] + "-" + f[1] + ") ";
        const b = el("button", { type: "button", "data-fold": String(-1 - idx) }, "Expand");
        b.addEventListener("click", () => { V.open.add(-1 - idx); buildVisible(); });
        div.appendChild(b);
        div.classList.add("fold");
      } else {
        const r = V.list[idx];
        div.textContent = rowText(r);
        div.classList.add("k-" + r[0]);
        div.setAttribute("data-step", r[2]);
        div.setAttribute("data-row", idx);
        if (idx === cur) { div.classList.add("current"); div.setAttribute("aria-current", "step"); }
        div.addEventListener("click", () => act(() => go(r[2])));
      }
      inner.appendChild(div);
    }
  }

  // ---- source -----------------------------------------------------------------------------
  function renderSource() {
    const ol = $("v-source");
    ol.textContent = "";
    V.d.source.split("\n").forEach((text, i) => {
      const n = i + 1;
      const li = el("li", { "data-line": String(n), id: "src-" + n });
      const b = el("button", { type: "button", class: "bp", "aria-pressed": "false", "aria-label": "Breakpoint on line " + n }, String(n));
      b.addEventListener("click", () => toggleBp(n));
      li.appendChild(b);
      li.appendChild(el("code", null, text));
      ol.appendChild(li);
    });
  }

  function toggleBp(n) {
    if (V.bps.has(n)) V.bps.delete(n); else V.bps.add(n);
    const li = $("src-" + n);
    if (li) {
      li.classList.toggle("has-bp", V.bps.has(n));
      li.querySelector("button").setAttribute("aria-pressed", V.bps.has(n) ? "true" : "false");
    }
    $("v-bps").textContent = V.bps.size ? "Breakpoints: lines " + [...V.bps].sort((a, b) => a - b).join(", ") : "No breakpoints";
  }
  V.toggleBp = toggleBp;

  // ---- state of a step ---------------------------------------------------------------------
  function stepsOf(frame) {
    let s = V.frameSteps.get(frame);
    if (!s) {
      s = [];
      const fr = V.d.frames;
      for (let i = 0; i < fr.length; i++) if (fr[i] === frame) s.push(i);
      V.frameSteps.set(frame, s);
    }
    return s;
  }

  function indexIn(arr, x) {
    let lo = 0, hi = arr.length;
    while (lo < hi) { const m = (lo + hi) >> 1; if (arr[m] < x) lo = m + 1; else hi = m; }
    return lo;
  }

  // locals of the step's frame before its line runs: arguments, then each earlier line's changes
  function stateAt(s) {
    const frame = V.d.frames[s];
    const st = new Map();
    for (const [k, v] of V.d.args[frame] || []) if (v !== null) st.set(k, v);
    const steps = stepsOf(frame);
    const upto = indexIn(steps, s);
    let prev = -1;
    for (let i = 0; i < upto; i++) {
      const ch = V.d.changes[steps[i]];
      if (ch) for (const [k, v] of ch) { if (v === null) st.delete(k); else st.set(k, v); }
      prev = steps[i];
    }
    return { st: st, prev: prev, frame: frame };
  }
  V.stateAt = (s) => Object.fromEntries(stateAt(s).st);

  function history(frame, name) {
    const out = [];
    for (const [k, v] of V.d.args[frame] || []) if (k === name) out.push([-1, v]);
    for (const t of stepsOf(frame)) {
      const ch = V.d.changes[t];
      if (ch) for (const [k, v] of ch) if (k === name) out.push([t, v]);
    }
    return out;
  }

  // ---- moving ------------------------------------------------------------------------------
  function go(s) {
    const n = V.d.steps;
    if (!n) return;
    V.step = Math.max(0, Math.min(n - 1, s));
    const f = foldOf("line", V.step);
    if (f >= 0 && !V.open.has(f)) { V.open.add(f); buildVisible(); }
    render();
  }
  V.go = (s) => act(() => go(s));

  function find(from, dir, pred) {
    const n = V.d.steps;
    for (let t = from + dir; t >= 0 && t < n; t += dir) if (pred(t)) return t;
    return -1;
  }

  const actions = {
    fwd: () => go(V.step + 1),
    back: () => go(V.step - 1),
    over: () => { const d = V.d.depth[V.step]; const t = find(V.step, 1, (u) => V.d.depth[u] <= d); if (t >= 0) go(t); },
    out: () => { const d = V.d.depth[V.step]; const t = find(V.step, 1, (u) => V.d.depth[u] < d); if (t >= 0) go(t); },
    nexthit: () => { const t = find(V.step, 1, (u) => V.bps.has(V.d.lines[u])); if (t >= 0) go(t); else status("No later step on a breakpoint line"); },
    prevhit: () => { const t = find(V.step, -1, (u) => V.bps.has(V.d.lines[u])); if (t >= 0) go(t); else status("No earlier step on a breakpoint line"); },
    bp: () => toggleBp(V.d.lines[V.step]),
  };
  V.actions = actions;

  function act(fn) {
    const t0 = performance.now();
    fn();
    V.lastActionMs = performance.now() - t0;
  }

  function status(text) { $("v-status").textContent = text; }

  function render() {
    const d = V.d, s = V.step;
    $("v-pos").textContent = "step " + s + " / " + (d.steps - 1);
    if (document.activeElement !== $("v-goto")) $("v-goto").value = String(s);
    const line = d.lines[s];
    $("v-line").textContent = "line " + line + " in " + d.funcs[d.frames[s]];
    $("v-line").setAttribute("data-line", String(line));
    document.querySelectorAll("#v-source li.current").forEach((li) => { li.classList.remove("current"); li.removeAttribute("aria-current"); });
    const li = $("src-" + line);
    if (li) { li.classList.add("current"); li.setAttribute("aria-current", "location"); li.scrollIntoView({ block: "nearest" }); }
    // variables
    const { st, prev, frame } = stateAt(s);
    const changed = new Set((prev >= 0 && d.changes[prev]) ? d.changes[prev].map((p) => p[0]) : []);
    const tb = $("v-vars-body");
    tb.textContent = "";
    for (const [k, v] of st) {
      const tr = el("tr", { "data-name": k });
      const th = el("th", { scope: "row" });
      const b = el("button", { type: "button", "aria-label": "History of " + k }, k);
      b.addEventListener("click", () => { V.selected = k; renderHistory(frame); });
      th.appendChild(b);
      tr.appendChild(th);
      const td = el("td", { class: "val" }, v);
      tr.appendChild(td);
      const mark = el("td", { class: "chg" }, changed.has(k) ? "changed" : "");
      if (changed.has(k)) tr.classList.add("changed");
      tr.appendChild(mark);
      tb.appendChild(tr);
    }
    const after = d.changes[s];
    $("v-after").textContent = after ? "→ " + after.map((p) => (p[1] === null ? "del " + p[0] : p[0] + " = " + p[1])).join(", ") : "→ (no change)";
    renderHistory(frame);
    // call stack, innermost first
    const stack = $("v-stack");
    stack.textContent = "";
    for (let t = s; t >= 0; t = d.caller[t]) stack.appendChild(el("li", null, d.funcs[d.frames[t]] + " — line " + d.lines[t] + " (step " + t + ")"));
    $("v-stdout").textContent = d.stdout.slice(0, d.out[s]);
    $("v-mark").textContent = d.marks[s] || "";
    $("v-mark").className = d.marks[s] ? "mark" : "";
    // keep the current row in view
    const row = V.rowOfStep[s];
    const j = row >= 0 ? V.visible.indexOf(row) : -1;
    const box = $("v-rows");
    if (j >= 0) {
      const y = j * ROW_H;
      if (y < box.scrollTop || y > box.scrollTop + box.clientHeight - ROW_H) box.scrollTop = Math.max(0, y - box.clientHeight / 2);
    }
    renderRows();
  }

  function renderHistory(frame) {
    const ol = $("v-history");
    ol.textContent = "";
    if (!V.selected) { $("v-history-title").textContent = "History (choose a variable)"; return; }
    $("v-history-title").textContent = "History of " + V.selected;
    for (const [t, v] of history(frame, V.selected)) {
      const li = el("li", null, (t < 0 ? "argument" : "after step " + t + " (line " + V.d.lines[t] + ")") + ": " + (v === null ? "deleted" : v));
      ol.appendChild(li);
    }
  }

  // ---- controls ------------------------------------------------------------------------------
  function bindControls() {
    for (const name in actions) {
      const b = $("v-" + name);
      if (b) b.addEventListener("click", () => act(actions[name]));
    }
    $("v-goform").addEventListener("submit", (e) => {
      e.preventDefault();
      const v = parseInt($("v-goto").value, 10);
      if (!isNaN(v)) act(() => go(v));
      $("v-goto").blur(); // the step keys work again at once
    });
    $("v-rows").addEventListener("scroll", renderRows);
    document.addEventListener("keydown", (e) => {
      const tag = (e.target && e.target.tagName) || "";
      if (tag === "INPUT" || tag === "TEXTAREA" || e.ctrlKey || e.metaKey || e.altKey) return;
      const map = { ArrowRight: "fwd", j: "fwd", ArrowLeft: "back", k: "back", ArrowDown: "over", ArrowUp: "out", n: "nexthit", p: "prevhit", b: "bp" };
      if (e.key === "g") { e.preventDefault(); $("v-goto").focus(); $("v-goto").select(); return; }
      const name = map[e.key];
      if (name) { e.preventDefault(); act(actions[name]); }
    });
  }
})();
