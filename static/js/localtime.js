// Rewrites <time datetime="..." data-local> elements into the reader's own
// time zone. The server-rendered text (in the status page's zone) moves to
// the title attribute, so nothing is lost; without JavaScript the page
// simply keeps showing the page's zone.
(function () {
  "use strict";
  if (!window.Intl || !Intl.DateTimeFormat) return;

  var formats = {
    full: { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" },
    date: { year: "numeric", month: "short", day: "numeric" },
    clock: { hour: "2-digit", minute: "2-digit", timeZoneName: "short" }
  };
  var formatters = {};
  function formatter(kind) {
    // In the page's language (<html lang>), not the browser's.
    if (!formatters[kind]) formatters[kind] = new Intl.DateTimeFormat(document.documentElement.lang || undefined, formats[kind] || formats.full);
    return formatters[kind];
  }

  var converted = 0;
  var nodes = document.querySelectorAll("time[datetime][data-local]");
  for (var i = 0; i < nodes.length; i++) {
    var el = nodes[i];
    var when = new Date(el.getAttribute("datetime"));
    if (isNaN(when.getTime())) continue;
    if (!el.title) el.title = el.textContent.trim();
    el.textContent = formatter(el.getAttribute("data-local")).format(when);
    converted++;
  }

  // How long ago the page's data last changed, in the page's language
  // ("3 minutes ago", "vor 3 Minuten", "3분 전").
  var updated = document.querySelector("#updated-at time[datetime]");
  if (updated && Intl.RelativeTimeFormat) {
    var secs = (new Date(updated.getAttribute("datetime")).getTime() - Date.now()) / 1000;
    if (!isNaN(secs)) {
      var rtf = new Intl.RelativeTimeFormat(document.documentElement.lang || undefined, { numeric: "auto" });
      var units = [["day", 86400], ["hour", 3600], ["minute", 60], ["second", 1]];
      for (var u = 0; u < units.length; u++) {
        if (Math.abs(secs) >= units[u][1] || units[u][0] === "second") {
          updated.parentNode.appendChild(document.createTextNode(" (" + rtf.format(Math.round(secs / units[u][1]), units[u][0]) + ")"));
          break;
        }
      }
    }
  }

  // Say which zone the times are now in.
  var note = document.getElementById("tz-note");
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (note && converted > 0 && zone) {
    // The page's own wording, with ZONE standing for the zone's name.
    var words = note.getAttribute("data-local-note") || "Times shown in your time zone (ZONE)";
    note.textContent = words.replace("ZONE", zone);
  }
})();
