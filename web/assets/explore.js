// jobctl explore: walk a scenario's state space by hand. The position is
// the URL: ?variant=V&rt=1&schedule=A+B+... ; everything shown comes from
// the JSON API (/api/state, /api/scenario, /api/race.svg).
(function () {
  "use strict";
  var esc = window.jobctlEsc, table = window.jobctlStateTable;
  var $ = function (id) { return document.getElementById(id); };
  var cur = null;        // the last /api/state answer
  var redo = [];         // moves undone with back, for forward
  var pinned = -1;       // the step whose state is shown, -1: the current state
  var scenarioKey = "";  // variant/rt of the loaded /api/scenario

  function params() {
    var q = new URLSearchParams(location.search);
    return { variant: q.get("variant") || "", rt: q.get("rt") === "1", schedule: (q.get("schedule") || "").trim() };
  }
  function query(p) {
    var q = new URLSearchParams();
    if (p.variant) q.set("variant", p.variant);
    if (p.rt) q.set("rt", "1");
    q.set("schedule", p.schedule);
    return q.toString();
  }
  function get(url) {
    return fetch(url).then(function (r) {
      var ct = r.headers.get("Content-Type") || "";
      var body = ct.indexOf("json") >= 0 ? r.json() : r.text();
      return body.then(function (b) {
        if (!r.ok) { var e = new Error((b && b.error) || ("HTTP " + r.status)); e.step = b && b.step; e.status = r.status; throw e; }
        return b;
      });
    });
  }
  function showError(msg) {
    var e = $("error");
    if (!msg) { e.hidden = true; e.textContent = ""; return; }
    e.hidden = false; e.textContent = msg;
  }

  // go moves to position p, recording it in the history unless replace.
  function go(p, replace) {
    var url = "?" + query(p);
    if (replace) history.replaceState(null, "", url); else history.pushState(null, "", url);
    return load();
  }

  function load() {
    var p = params();
    var q = query(p);
    document.body.setAttribute("data-loading", "1");
    return Promise.all([get("api/state?" + q), get("api/race.svg?" + q)]).then(function (rs) {
      showError("");
      cur = rs[0];
      pinned = -1;
      render(cur, rs[1]);
      var key = cur.variant + "/" + cur.rt;
      if (key !== scenarioKey) { scenarioKey = key; loadScenario(p); }
      document.body.setAttribute("data-loading", "0");
      document.body.setAttribute("data-schedule", cur.schedule);
      document.body.setAttribute("data-position", key);
    }).catch(function (e) {
      document.body.setAttribute("data-loading", "0");
      showError(e.message);
      // A move that cannot be made: keep the moves before it.
      if (e.step) {
        var toks = p.schedule.split(/\s+/).filter(Boolean).slice(0, e.step - 1);
        p.schedule = toks.join(" ");
        history.replaceState(null, "", "?" + query(p));
        return load().then(function () { showError(e.message); });
      }
    });
  }

  function loadScenario(p) {
    var q = new URLSearchParams();
    if (p.variant) q.set("variant", p.variant);
    if (p.rt) q.set("rt", "1");
    $("cexs").textContent = "checking…";
    get("api/scenario?" + q.toString()).then(function (sc) {
      $("title").textContent = "jobctl explore: " + sc.name;
      document.title = "jobctl explore: " + sc.name + " under " + sc.variant;
      $("subtitle").textContent = (sc.title || "") + " — under " + sc.variant + (sc.rt ? " (PREEMPT_RT)" : "") +
        "; the checker finds " + sc.verdict + " in " + sc.states + " states (expected " + sc.expected + ")";
      var sel = $("variant");
      if (!sel.options.length) {
        sc.variants.forEach(function (v) { var o = document.createElement("option"); o.value = v; o.textContent = v; sel.appendChild(o); });
      }
      sel.value = sc.variant;
      $("rt").checked = sc.rt;
      var src = "";
      sc.source.replace(/\n$/, "").split("\n").forEach(function (l, i) { src += '<span class="ln">' + (i + 1) + "</span>" + esc(l) + "\n"; });
      $("source").innerHTML = src;
      var h = "";
      if (!sc.counterexamples.length) h = sc.incomplete ? "none found (incomplete: " + esc(sc.incomplete) + ")" : "none: every interleaving passes";
      sc.counterexamples.forEach(function (c) {
        if (!c.schedule) { h += '<div class="endviol">' + esc(c.property) + ": " + esc(c.message) + "</div>"; return; }
        h += '<button class="cexjump" data-prop="' + esc(c.property) + '" data-schedule="' + esc(c.schedule) + '" title="' + esc(c.message) + '">' +
          esc(c.property) + " (" + c.steps + " steps)</button>";
      });
      $("cexs").innerHTML = h;
      document.body.setAttribute("data-scenario", sc.variant + "/" + sc.rt);
    }).catch(function (e) { $("cexs").textContent = e.message; document.body.setAttribute("data-scenario", "error"); });
  }

  function changeLines(st) {
    var h = "";
    st.changes.forEach(function (c) {
      if (c.field === "op" || c.field === "step" || c.field === "tmp") return; // view.Change.Minor
      h += '<div class="ch">' + esc(c.who) + ": " + esc(c.field) + " " + esc(c.from) + " → " + esc(c.to) + "</div>";
    });
    st.notes.forEach(function (n) { h += '<div class="note">' + esc(n) + "</div>"; });
    st.violates.forEach(function (v) { h += '<div class="viol">✗ violates ' + esc(v) + "</div>"; });
    return h;
  }

  function render(st, svgText) {
    $("schedule").textContent = st.schedule || "(none: the initial state)";
    $("depth").textContent = "(after " + st.depth + " moves)";
    var p = params();
    $("share").href = location.pathname + "?" + query(p);
    $("back").disabled = st.depth === 0;
    $("forward").disabled = redo.length === 0;
    var h = "";
    st.enabled.forEach(function (m) {
      h += '<button class="move' + (m.violates.length ? " bad" : "") + '" data-move="' + esc(m.move) + '" data-schedule="' + esc(m.schedule) + '">' +
        '<span class="who">' + esc(m.move) + "</span> " + '<span class="fn">' + esc(m.function) + "</span>" + (m.step ? ": " + esc(m.step) : "") +
        changeLines(m) + "</button>";
    });
    $("enabled").innerHTML = h;
    var e = "";
    if (st.terminal) e += '<div class="terminal">terminal state: no actor can step</div>';
    st.end.forEach(function (v) { e += '<div class="endviol">✗ ' + esc(v.property) + " violated: " + esc(v.message) + "</div>"; });
    $("end").innerHTML = e;
    $("outcome").innerHTML = st.outcome.map(function (o) { return esc(o.key) + "=" + esc(o.value); }).join("<br>");
    // The diagram: an SVG document; drop its XML declaration to inline it.
    $("diagram").innerHTML = svgText.replace(/^<\?xml[^>]*>\s*/, "");
    showState(-1);
  }

  function showState(n) {
    pinned = n;
    var states = cur.states, k = n < 0 ? states.length - 1 : n;
    var cap = k === 0 ? "initial state" : "after step " + k + " (" + cur.race[k - 1].move + ": " + cur.race[k - 1].function + ")";
    if (n < 0) cap = "now: " + cap;
    $("state").innerHTML = table(states, k, cap);
    $("state").setAttribute("data-step", String(k));
    $("now").hidden = n < 0;
    var svg = $("diagram").querySelector("svg");
    if (svg) {
      svg.querySelectorAll("g.step.sel").forEach(function (g) { g.classList.remove("sel"); });
      var g = svg.querySelector('g.step[data-step="' + k + '"]');
      if (g && n >= 0) g.classList.add("sel");
    }
  }

  function move(schedule) {
    redo = [];
    var p = params(); p.schedule = schedule;
    return go(p);
  }
  function back() {
    if (!cur || cur.depth === 0) return;
    var toks = cur.schedule.split(" ");
    redo.push(toks.pop());
    var p = params(); p.schedule = toks.join(" ");
    go(p);
  }
  function forward() {
    if (!redo.length) return;
    var p = params(); p.schedule = (cur.schedule + " " + redo.pop()).trim();
    go(p);
  }

  document.addEventListener("click", function (ev) {
    var b = ev.target.closest("button.move");
    if (b) { move(b.getAttribute("data-schedule")); return; }
    var c = ev.target.closest("button.cexjump");
    if (c) { move(c.getAttribute("data-schedule")); return; }
    var g = ev.target.closest("#diagram g.step");
    if (g) { showState(+g.getAttribute("data-step")); return; }
  });
  $("back").addEventListener("click", back);
  $("forward").addEventListener("click", forward);
  $("restart").addEventListener("click", function () { move(""); });
  $("now").addEventListener("click", function () { showState(-1); });
  $("variant").addEventListener("change", function () { var p = params(); p.variant = this.value; redo = []; go(p); });
  $("rt").addEventListener("change", function () { var p = params(); p.rt = this.checked; redo = []; go(p); });
  document.addEventListener("keydown", function (ev) {
    if (ev.target.tagName === "SELECT" || ev.target.tagName === "INPUT") return;
    if (ev.key === "ArrowLeft") back();
    if (ev.key === "ArrowRight") forward();
  });
  window.addEventListener("popstate", function () { redo = []; load(); });
  load();
})();
