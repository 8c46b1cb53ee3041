// The workbench's own script (served from /static, CSP script-src 'self').
// Everything it puts on the page goes through textContent: never innerHTML.
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var $ = function (sel, root) { return (root || document).querySelector(sel); };
  var $$ = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };

  function api(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (doc) {
        return { status: r.status, doc: doc };
      });
    });
  }

  function flash(text, bad) {
    var el = $("[data-flash]");
    if (!el) { return; }
    el.textContent = text;
    el.hidden = false;
    el.className = "flash" + (bad ? " error" : " ok");
  }

  // ---------------------------------------------------------------- help
  var help = $("#help");
  function toggleHelp(show) { if (help) { help.hidden = show === undefined ? !help.hidden : !show; } }
  $$("[data-help]").forEach(function (b) { b.addEventListener("click", function () { toggleHelp(); }); });
  if (help) { help.addEventListener("click", function (e) { if (e.target === help) { toggleHelp(false); } }); }

  // ---------------------------------------------------------------- meter
  function showMeter(m) {
    var box = $("#meter");
    if (!box || !m) { return; }
    var set = function (sel, text) { var el = $(sel, box); if (el) { el.textContent = text; } };
    set("[data-meter-share]", (m.state_media_share * 100).toFixed(1) + "%");
    set("[data-meter-kept]", String(m.kept));
    set("[data-meter-drop]", String(m.would_drop.length));
    set("[data-meter-opinion]", String(m.removed.opinion));
    set("[data-meter-antius]", String(m.removed.anti_us_rhetoric));
    set("[data-meter-dups]", String(m.removed.near_duplicate));
    box.classList.toggle("over", m.state_media_share > m.state_media_cap);
    var fill = $("[data-meter-fill]", box);
    if (fill) { fill.dataset.share = String(m.state_media_share); sizeFill(fill); }
    var drop = {};
    m.would_drop.forEach(function (id) { drop[id] = true; });
    $$("tr[data-id]").forEach(function (tr) { tr.classList.toggle("dropped", !!drop[tr.dataset.id]); });
  }
  function sizeFill(fill) {
    var share = parseFloat(fill.dataset.share || "0");
    fill.style.width = Math.min(100, share * 100).toFixed(1) + "%";
  }
  $$("[data-meter-fill]").forEach(sizeFill);
  function refreshMeter() {
    var box = $("#meter");
    if (!box) { return; }
    api("GET", "/api/periods/" + encodeURIComponent(box.dataset.period) + "/meter").then(function (r) {
      if (r.status === 200) { showMeter(r.doc); }
    });
  }

  // ---------------------------------------------------------------- the queue
  var queue = $("[data-queue]");
  var rows = queue ? $$("tr[data-id]", queue) : [];
  var canDecide = queue && queue.dataset.canDecide === "true";
  var current = -1;
  var pending = null; // the decision a conflict interrupted

  function select(i) {
    if (!rows.length) { return; }
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (r, j) { r.classList.toggle("current", j === current); });
    rows[current].scrollIntoView({ block: "nearest" });
  }
  function row() { return current >= 0 ? rows[current] : null; }

  function applyRow(tr, status, section, version) {
    tr.dataset.status = status;
    tr.dataset.version = String(version);
    if (section) { tr.dataset.section = section; }
    tr.className = tr.className.replace(/status-\w+/, "status-" + status);
    var cell = $("[data-status-cell]", tr);
    if (cell) { cell.textContent = status; }
  }

  function decide(tr, status, section, version, note) {
    var id = tr.dataset.id;
    // No section (or note) key: the stored choice stays (docs/api.md), so a status
    // key never pins the automatic section nor erases another analyst's note.
    var body = { status: status, version: version };
    if (section !== undefined) { body.section = section || null; }
    if (note) { body.note = note; }
    return api("POST", "/api/items/" + id + "/decision", body).then(function (r) {
      if (r.status === 200) {
        applyRow(tr, status, body.section, r.doc.version);
        flash("#" + id + " " + status);
        refreshMeter();
      } else if (r.status === 409) {
        showConflict(tr, body, r.doc.current);
      } else {
        flash((r.doc && r.doc.message) || ("refused: HTTP " + r.status), true);
      }
    });
  }

  function showConflict(tr, wanted, cur) {
    var box = $("#conflict");
    if (!box) { return; }
    pending = { tr: tr, wanted: wanted, current: cur };
    var set = function (sel, text) { var el = $(sel, box); if (el) { el.textContent = text; } };
    set("[data-conflict-who]", cur.analyst || "someone");
    set("[data-conflict-status]", cur.status);
    set("[data-conflict-section]", cur.section || "automatic");
    set("[data-conflict-when]", cur.decided_at ? "at " + cur.decided_at.replace("T", " ").slice(0, 16) : "");
    set("[data-conflict-note]", cur.note ? "Note: " + cur.note : "");
    set("[data-conflict-mine]", wanted.status + (wanted.section ? " in " + wanted.section : ""));
    box.hidden = false;
    var keep = $("[data-conflict-keep]", box);
    if (keep) { keep.focus(); }
  }
  var conflictBox = $("#conflict");
  if (conflictBox) {
    $("[data-conflict-keep]", conflictBox).addEventListener("click", function () {
      conflictBox.hidden = true;
      if (pending) {
        var p = pending; pending = null;
        decide(p.tr, p.wanted.status, p.wanted.section, p.current.version, p.wanted.note);
      }
    });
    $("[data-conflict-theirs]", conflictBox).addEventListener("click", function () {
      conflictBox.hidden = true;
      if (pending) {
        var p = pending; pending = null;
        applyRow(p.tr, p.current.status, p.current.section, p.current.version);
        var sel = $("select[data-section]", p.tr);
        if (sel && p.current.section) { sel.value = p.current.section; }
        flash("#" + p.tr.dataset.id + " kept as " + (p.current.analyst || "someone") + " decided");
        refreshMeter();
      }
    });
  }

  function decideCurrent(status) {
    var tr = row();
    if (!tr || !canDecide) { return; }
    decide(tr, status, undefined, parseInt(tr.dataset.version, 10));
  }

  rows.forEach(function (tr, i) {
    tr.addEventListener("click", function (e) { if (e.target.tagName !== "A") { select(i); } });
    var sel = $("select[data-section]", tr);
    if (sel) {
      sel.addEventListener("change", function () {
        decide(tr, tr.dataset.status, sel.value, parseInt(tr.dataset.version, 10));
      });
    }
    var box = $("input[data-select]", tr);
    if (box) { box.addEventListener("change", updateBulk); }
  });

  // ---------------------------------------------------------------- bulk
  var bulk = $("[data-bulk]");
  function chosen() { return rows.filter(function (tr) { var b = $("input[data-select]", tr); return b && b.checked; }); }
  function updateBulk() {
    if (!bulk) { return; }
    var n = chosen().length;
    bulk.hidden = n === 0;
    $("[data-bulk-count]", bulk).textContent = String(n);
  }
  $$("[data-bulk-status]").forEach(function (b) {
    b.addEventListener("click", function () {
      var status = b.dataset.bulkStatus;
      var picked = chosen();
      var changes = picked.map(function (tr) {
        return { id: parseInt(tr.dataset.id, 10), status: status,
                 version: parseInt(tr.dataset.version, 10) };
      });
      api("POST", "/api/decisions", { changes: changes }).then(function (r) {
        if (r.status === 200) {
          picked.forEach(function (tr) {
            var v = r.doc.versions[tr.dataset.id];
            applyRow(tr, status, null, v === undefined ? tr.dataset.version : v);
            $("input[data-select]", tr).checked = false;
          });
          updateBulk();
          flash(picked.length + " items " + status);
          refreshMeter();
        } else if (r.status === 409) {
          flash(r.doc.conflicts.length + " of these were decided by someone else meanwhile: nothing was changed; reload to see their decisions", true);
        } else {
          flash((r.doc && r.doc.message) || ("refused: HTTP " + r.status), true);
        }
      });
    });
  });

  // ---------------------------------------------------------------- keys
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    var typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT");
    if (e.key === "Escape") {
      toggleHelp(false);
      if (typing) { t.blur(); }
      return;
    }
    if (typing || e.ctrlKey || e.metaKey || e.altKey) { return; }
    var itemForm = $("[data-decide-form]");
    switch (e.key) {
      case "?": toggleHelp(); break;
      case "/": var s = $("[data-search]"); if (s) { e.preventDefault(); s.focus(); } break;
      case "j": select(current + 1); break;
      case "k": select(current - 1); break;
      case "Enter": if (row()) { var a = $("a[data-open]", row()); if (a) { a.click(); } } break;
      case " ": if (row()) { var cb = $("input[data-select]", row()); if (cb) { e.preventDefault(); cb.checked = !cb.checked; updateBulk(); } } break;
      case "i": case "x": case "c":
        var status = { i: "included", x: "excluded", c: "candidate" }[e.key];
        if (queue) { decideCurrent(status); }
        else if (itemForm) { var btn = $('button[data-key="' + e.key + '"]', itemForm); if (btn) { btn.click(); } }
        break;
      case "s":
        var target = queue ? (row() && $("select[data-section]", row())) : (itemForm && $("select[data-section]", itemForm));
        if (target) { e.preventDefault(); target.focus(); }
        break;
      default: return;
    }
  });
  if (rows.length) { select(0); }
})();
