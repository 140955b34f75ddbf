// Beacon's embeddable status widget. Add it to any site:
//
//   <script src="https://status.example.com/widget.js" async></script>
//
// While an incident is open or a maintenance is in progress it shows a
// banner (at the bottom of the window; data-position="top" for the top)
// with the name, the latest update and a link to the status page. It reads
// /api/v2/summary.json next to the script, every two minutes
// (data-refresh="SECONDS", at least 30). Text is set with textContent and
// styles through the DOM, so the host page's Content-Security-Policy needs
// only to allow the script and connect-src to the status page.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.fetch || !window.URL) return;

  var summaryURL = new URL("api/v2/summary.json", script.src).href;
  var top = script.getAttribute("data-position") === "top";
  var refresh = Math.max(30, parseInt(script.getAttribute("data-refresh"), 10) || 120) * 1000;
  var storageKey = "beacon-widget-dismissed";
  var colors = {
    critical: "#c62828", major: "#d84315", minor: "#b26a00",
    none: "#455a64", maintenance: "#1565c0"
  };
  // The words, in the reader's language: /widget.js puts the page's
  // catalog (views/i18n) in place of this object, with its accent colour.
  var words = /*words*/{
    view_status: "View status", dismiss: "Dismiss", accent: "",
    investigating: "Investigating", identified: "Identified", monitoring: "Monitoring",
    resolved: "Resolved", in_progress: "In progress", verifying: "Verifying"
  }/*end*/;
  var labels = words;
  var banner = null;
  var shown = ""; // key of what the banner shows

  // What is going on now: open incidents first (newest first), then
  // maintenance in progress.
  function activeEvents(summary) {
    var list = (summary.incidents || []).slice();
    (summary.scheduled_maintenances || []).forEach(function (m) {
      if (m.status === "in_progress" || m.status === "verifying") list.push(m);
    });
    return list;
  }

  function plain(text, max) {
    // Update bodies are Markdown: drop the markup characters that matter most.
    text = String(text || "").replace(/[*_`#>]/g, "").replace(/\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/\s+/g, " ").trim();
    return text.length > max ? text.slice(0, max - 1).replace(/\s+\S*$/, "") + "…" : text;
  }

  function dismissed(key) {
    try { return window.sessionStorage.getItem(storageKey) === key; } catch (e) { return false; }
  }

  function dismiss(key) {
    try { window.sessionStorage.setItem(storageKey, key); } catch (e) { /* private mode */ }
    remove();
  }

  function remove() {
    if (banner && banner.parentNode) banner.parentNode.removeChild(banner);
    banner = null;
  }

  function style(el, props) {
    for (var k in props) el.style[k] = props[k];
    return el;
  }

  function show(events) {
    var first = events[0];
    var update = (first.incident_updates || [])[0] || {};
    var key = events.map(function (e) { return e.id + "@" + e.updated_at; }).join(",");
    if (dismissed(key)) return remove();
    if (banner && shown === key) return;

    remove();
    shown = key;
    banner = style(document.createElement("div"), {
      position: "fixed", left: "0", right: "0", zIndex: "2147483000",
      display: "flex", alignItems: "center", gap: "12px", padding: "10px 16px",
      background: colors[first.impact] || colors.none, color: "#fff",
      font: "14px/1.4 -apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, sans-serif",
      boxShadow: "0 0 8px rgba(0,0,0,.25)",
      borderLeft: words.accent ? "6px solid " + words.accent : "0"
    });
    banner.style[top ? "top" : "bottom"] = "0";
    banner.setAttribute("role", "status");
    banner.setAttribute("aria-live", "polite");
    banner.className = "beacon-widget beacon-widget-" + (first.impact || "none");

    var text = style(document.createElement("div"), { flex: "1", minWidth: "0" });
    var name = document.createElement("strong");
    name.textContent = first.name;
    text.appendChild(name);
    var status = labels[update.status || first.status];
    var message = plain(update.body, 160);
    if (status || message) {
      text.appendChild(document.createTextNode(" — " + [status, message].filter(Boolean).join(": ")));
    }
    if (events.length > 1) {
      text.appendChild(document.createTextNode(" (+" + (events.length - 1) + " more)"));
    }

    var link = style(document.createElement("a"), { color: "#fff", fontWeight: "600", whiteSpace: "nowrap" });
    link.href = first.shortlink;
    link.target = "_blank";
    link.rel = "noopener";
    link.textContent = words.view_status;

    var close = style(document.createElement("button"), {
      background: "transparent", border: "0", color: "#fff", font: "inherit",
      fontSize: "20px", lineHeight: "1", cursor: "pointer", padding: "0 4px"
    });
    close.type = "button";
    close.setAttribute("aria-label", words.dismiss);
    close.textContent = "×";
    close.addEventListener("click", function () { dismiss(key); });

    banner.appendChild(text);
    banner.appendChild(link);
    banner.appendChild(close);
    (document.body || document.documentElement).appendChild(banner);
  }

  // The browser's cache revalidates with the ETag, so polling is cheap.
  function check() {
    fetch(summaryURL, { credentials: "omit" }).then(function (res) {
      if (!res.ok) return null;
      return res.json();
    }).then(function (summary) {
      if (!summary) return;
      var events = activeEvents(summary);
      if (events.length) show(events); else remove();
    }).catch(function () { /* the status page is unreachable: keep what is shown */ });
  }

  check();
  window.setInterval(check, refresh);
})();
