// jobctl: the state of every task, thread group and actor at one step of an
// interleaving, as a table (shared by the HTML report and the explorer).
// states is the JSON list of view.State: states[0] is the initial state,
// states[n] the state after step n. Values that step n changed are marked.
(function () {
  "use strict";
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  var taskFields = [
    ["__state", "__state"], ["saved_state", "saved_state"], ["jobctl", "jobctl"],
    ["pending", "pending"], ["shared_pending", "shared_pending"], ["TIF_SIGPENDING", "TIF_SIGPENDING"],
    ["where", "where"], ["wchan", "sleeps in"], ["letter", "/proc state"], ["ptrace", "ptrace"],
    ["tracer", "tracer"], ["flags", "flags"], ["exit_state", "exit_state"], ["exit", "exit"]
  ];
  var procFields = [
    ["signal_flags", "signal->flags"], ["group_stop_count", "group_stop_count"],
    ["group_exit_code", "group_exit_code"], ["freezer", "freezer.state"]
  ];
  function val(o, k) {
    var v = o[k];
    if (v === true) return "1";
    if (v === false) return "0";
    if (v === "" || v === undefined || v === null) return "–";
    return String(v);
  }
  function grid(cls, names, rows, cur, prev) {
    var h = '<table class="st ' + cls + '"><thead><tr><th></th>';
    names.forEach(function (n) { h += "<th>" + esc(n) + "</th>"; });
    h += "</tr></thead><tbody>";
    rows.forEach(function (f) {
      h += '<tr data-field="' + esc(f[0]) + '"><th>' + esc(f[1]) + "</th>";
      cur.forEach(function (o, i) {
        var v = val(o, f[0]);
        var changed = prev && prev[i] && val(prev[i], f[0]) !== v;
        h += '<td data-who="' + esc(o.name) + '"' + (changed ? ' class="chg"' : "") + ">" + esc(v) + "</td>";
      });
      h += "</tr>";
    });
    return h + "</tbody></table>";
  }
  // table renders states[n]; caption says what step n was.
  function table(states, n, caption) {
    var s = states[n], p = n > 0 ? states[n - 1] : null;
    var h = '<div class="statecap">' + esc(caption || (n === 0 ? "initial state" : "after step " + n)) + "</div>";
    h += grid("tasks", s.tasks.map(function (t) { return t.name; }), taskFields, s.tasks, p && p.tasks);
    if (s.processes.length) {
      h += grid("procs", s.processes.map(function (t) { return t.name; }), procFields, s.processes, p && p.processes);
    }
    h += '<table class="st actors"><tbody>';
    s.actors.forEach(function (a, i) {
      var pa = p && p.actors[i];
      var res = a.results.map(function (r) { return esc(r.op) + " → <b>" + esc(r.result) + "</b>"; }).join("; ");
      var changed = pa && (pa.op !== a.op || pa.results.length !== a.results.length);
      h += '<tr data-actor="' + esc(a.name) + '"' + (changed ? ' class="chg"' : "") + "><th>" + esc(a.name) + "</th><td>" +
        (a.done ? "done" : "next: " + esc(a.op)) + (res ? "<br>" + res : "") + "</td></tr>";
    });
    s.locks.forEach(function (l) {
      h += "<tr><th>" + esc(l.name) + "</th><td>held by " + esc(l.holder) + "</td></tr>";
    });
    return h + "</tbody></table>";
  }
  window.jobctlStateTable = table;
  window.jobctlEsc = esc;

  // The report: every counterexample (.cex) has an SVG race, its states as
  // JSON and a panel; hovering a step shows the state after it, a click
  // pins it.
  function wire() {
    document.querySelectorAll(".cex").forEach(function (cex) {
      var svg = cex.querySelector("svg.race"), panel = cex.querySelector(".state");
      var src = cex.querySelector("script.states");
      if (!svg || !panel || !src) return;
      var states = null, pinned = 0;
      function show(n, pin) {
        if (!states) states = JSON.parse(src.textContent);
        if (n < 0 || n >= states.length) return;
        var g = svg.querySelector('g.step[data-step="' + n + '"]');
        var cap = g && g.querySelector("title") ? g.querySelector("title").textContent.split("\n")[0] : "";
        panel.innerHTML = table(states, n, cap);
        if (pin) {
          pinned = n;
          svg.querySelectorAll("g.step.sel").forEach(function (e) { e.classList.remove("sel"); });
          if (g) g.classList.add("sel");
          panel.setAttribute("data-step", String(n));
        }
      }
      svg.addEventListener("mouseover", function (e) {
        var g = e.target.closest("g.step");
        if (g) show(+g.getAttribute("data-step"), false);
      });
      svg.addEventListener("mouseleave", function () { show(pinned, false); });
      svg.addEventListener("click", function (e) {
        var g = e.target.closest("g.step");
        if (g) show(+g.getAttribute("data-step"), true);
      });
      show(+(cex.getAttribute("data-mark") || 0), true);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wire);
  else wire();
})();
