/* execbench report: the task explorer (filters, search, a virtualised list, drill-down).
 * Data arrives as <script> files (data/tasks-K.js, data/detail-K.js), never fetched. */
"use strict";
(function () {
  const ROW_H = 22;
  const R = { cfg: null, data: [], loaded: 0, shown: [], sel: -1, details: new Map(), pending: new Map(), readyMs: null };
  window.EBReport = R;
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    if (attrs) for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function load(src) { document.body.appendChild(el("script", { src: src })); }

  R.boot = function (cfg) {
    R.cfg = cfg;
    for (let k = 0; k < cfg.taskChunks; k++) load("data/tasks-" + k + ".js");
    if (cfg.taskChunks === 0) ready();
  };

  R.tasks = function (k, rows) {
    const off = k * R.cfg.perTaskChunk;
    for (let i = 0; i < rows.length; i++) R.data[off + i] = rows[i];
    R.loaded++;
    if (R.loaded === R.cfg.taskChunks) ready();
  };

  function ready() {
    for (const id of ["f-search", "f-kind", "f-construct", "f-verdict", "f-disagree"]) $(id).addEventListener("input", filter);
    $("t-list").addEventListener("scroll", renderList);
    $("t-list").addEventListener("keydown", onKey);
    filter();
    R.readyMs = performance.now();
    document.body.setAttribute("data-ready", "1");
  }

  // ---- filtering -------------------------------------------------------------------------------
  function filter() {
    const t0 = performance.now();
    const q = $("f-search").value.trim().toLowerCase();
    const kind = $("f-kind").value, cons = $("f-construct").value, verdict = $("f-verdict").value;
    const dis = $("f-disagree").checked;
    const vRun = verdict ? parseInt(verdict.slice(1), 10) : -1, vWant = verdict[0] === "c" ? 1 : 0;
    const out = [];
    const all = R.data;
    for (let i = 0; i < all.length; i++) {
      const t = all[i];
      if (kind && t[1] !== kind) continue;
      if (cons && (t[2] === "" || !("," + t[2] + ",").includes("," + cons + ","))) continue;
      if (vRun >= 0 && t[4][vRun] !== vWant) continue;
      if (dis) {
        const v = t[4].filter((x) => x >= 0);
        if (v.length < 2 || v.every((x) => x === v[0])) continue;
      }
      if (q && !t[0].toLowerCase().includes(q)) continue;
      out.push(i);
    }
    R.shown = out;
    $("f-count").textContent = out.length + " of " + all.length + " tasks";
    $("t-inner").style.height = out.length * ROW_H + "px";
    $("t-list").scrollTop = 0;
    renderList();
    R.lastFilterMs = performance.now() - t0;
  }
  R.filter = filter;

  function mark(v) { return v === 1 ? "✓" : v === 0 ? "✗" : "·"; }

  function renderList() {
    const box = $("t-list"), inner = $("t-inner");
    const first = Math.max(0, Math.floor(box.scrollTop / ROW_H) - 5);
    const last = Math.min(R.shown.length, first + Math.ceil((box.clientHeight || 400) / ROW_H) + 10);
    inner.textContent = "";
    for (let j = first; j < last; j++) {
      const i = R.shown[j], t = R.data[i];
      const b = el("div", { class: "vrow trow", role: "option", id: "task-" + i, "data-task": t[0], "aria-selected": i === R.sel ? "true" : "false" },
        t[4].map(mark).join(" ") + "  " + t[1].padEnd(12) + " " + t[0]);
      b.style.top = j * ROW_H + "px";
      b.addEventListener("click", () => open(i));
      inner.appendChild(b);
    }
    if (R.sel >= 0) box.setAttribute("aria-activedescendant", "task-" + R.sel);
  }

  function onKey(e) {
    if (!R.shown.length) return;
    let j = R.shown.indexOf(R.sel);
    if (e.key === "ArrowDown" || e.key === "j") j = Math.min(R.shown.length - 1, j + 1);
    else if (e.key === "ArrowUp" || e.key === "k") j = Math.max(0, j - 1);
    else if (e.key === "Enter" && R.sel >= 0) { open(R.sel); $("drill").focus(); e.preventDefault(); return; }
    else return;
    e.preventDefault();
    R.sel = R.shown[Math.max(0, j)];
    const box = $("t-list"), y = Math.max(0, j) * ROW_H;
    if (y < box.scrollTop || y > box.scrollTop + box.clientHeight - ROW_H) box.scrollTop = y - box.clientHeight / 2;
    renderList();
  }

  // ---- drill-down --------------------------------------------------------------------------------
  function open(i) {
    R.sel = i;
    renderList();
    const k = Math.floor(i / R.cfg.perDetailChunk);
    if (R.details.has(k)) show(i);
    else { R.pending.set(k, i); load("data/detail-" + k + ".js"); }
  }
  R.open = open;

  R.detail = function (k, items) {
    R.details.set(k, items);
    if (R.pending.has(k)) { show(R.pending.get(k)); R.pending.delete(k); }
  };

  function block(title, text) {
    const frag = document.createDocumentFragment();
    frag.appendChild(el("h3", null, title));
    frag.appendChild(el("pre", null, text === null || text === undefined ? "(none)" : String(text)));
    return frag;
  }

  function show(i) {
    const k = Math.floor(i / R.cfg.perDetailChunk);
    const d = R.details.get(k)[i - k * R.cfg.perDetailChunk];
    const box = $("drill");
    box.textContent = "";
    box.appendChild(el("h2", { id: "d-title" }, "Task " + d.id));
    const meta = el("p", null, "kind " + d.kind + (d.call ? " — call " + d.call : "") + " — ");
    if (d.trace >= 0) {
      const a = el("a", { href: "viewer.html#t=" + d.trace, id: "d-trace" }, "open the trace in the viewer");
      meta.appendChild(a);
    } else meta.appendChild(el("span", null, "no trace: " + d.why_no_trace));
    box.appendChild(meta);
    box.appendChild(block("Ground truth", typeof d.truth === "string" ? d.truth : JSON.stringify(d.truth)));
    d.runs.forEach((r, j) => {
      const name = R.cfg.runs[j].name;
      const sec = el("section", { class: "d-run", "data-run": R.cfg.runs[j].id });
      if (!r) { sec.appendChild(el("h3", null, name + ": not in this run")); box.appendChild(sec); return; }
      const verdict = r.skipped ? "skipped" : r.correct ? "right" : "wrong";
      const h = el("h3", null, name + ": " + verdict + " (status " + r.status + ", pass@1 " + (r.pass1 === null ? "–" : (100 * r.pass1).toFixed(1)) + "%)");
      h.className = r.correct ? "ok" : "bad";
      sec.appendChild(h);
      sec.appendChild(block("Prompt (" + r.prompt + ")", r.prompt === "cot" ? d.prompt_cot : d.prompt));
      sec.appendChild(block("Raw answer (sample 0)", r.prediction));
      sec.appendChild(block("Extracted answer", r.extracted));
      sec.appendChild(block("Verdict details", JSON.stringify(r.details, null, 1)));
      if (r.repair && Array.isArray(r.repair.iterations)) {
        r.repair.iterations.forEach((it, n) => {
          sec.appendChild(el("h4", null, "Repair iteration " + n + (it.passed ? " — passed" : " — failed")));
          if (it.feedback) sec.appendChild(block("Feedback", it.feedback));
          if (it.blocks) sec.appendChild(block("Block verdicts", JSON.stringify(it.blocks, null, 1)));
          if (it.diff) sec.appendChild(block("Program diff", it.diff));
        });
      }
      box.appendChild(sec);
    });
    box.setAttribute("data-task", d.id);
  }
})();
