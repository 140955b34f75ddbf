// Console niceties; every page works without them.
// - A form with data-confirm="Question?" asks before it is sent.
// - After a failed submit, the error summary takes the focus, so screen
//   readers announce it and keyboard users start from it.
// - A Preview button (data-preview="<textarea id>") renders the message in
//   place through POST /admin/preview instead of sending the form back.
// - "Set the affected components back to operational" (data-restore) shows
//   only while a resolving status (resolved, completed) is chosen.
// - The new-incident form says which impact "Auto" will pick.
// - A status select takes its status's colour when changed.
// - A form with data-autosave="<url>" (a postmortem draft) is posted there
//   every few seconds while it changes, and says when it was saved in the
//   element named by data-autosave-status. Its Save button works without.
//   With data-warn-unsaved, leaving the page with changes not saved asks
//   first. The blameless check (data-blameless-check) runs on the text as
//   typed, a moment after typing stops.
(function () {
  "use strict";
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) ev.preventDefault();
  });

  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  // Preview in place.
  function showPreview(box, html) {
    var body = box.querySelector(".update-body");
    if (!body) return;
    // The server sanitized this HTML (models.RenderMarkdown).
    body.innerHTML = html;
    box.hidden = false;
  }
  document.addEventListener("click", function (ev) {
    var button = ev.target.closest ? ev.target.closest("button[data-preview]") : null;
    if (!button || !window.fetch || !window.URLSearchParams) return;
    var form = button.form;
    var id = button.getAttribute("data-preview");
    var field = document.getElementById(id);
    var box = document.getElementById(id + "-preview");
    var token = form && form.querySelector("input[name=csrf]");
    if (!field || !box || !token) return;
    ev.preventDefault();
    var params = new URLSearchParams();
    params.set("body", field.value);
    button.disabled = true;
    fetch("/admin/preview", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": token.value },
      body: params.toString()
    }).then(function (res) {
      if (!res.ok) throw new Error("preview: " + res.status);
      return res.text();
    }).then(function (html) {
      showPreview(box, html || '<p class="muted">(No message.)</p>');
    }).catch(function () {
      // Fall back to the form's own preview: the page comes back rendered.
      if (form.requestSubmit) form.requestSubmit(button);
    }).then(function () {
      button.disabled = false;
    });
  });

  // The restore checkbox follows the chosen status.
  function syncRestore(form) {
    var wrap = form.querySelector("[data-restore]");
    if (!wrap) return;
    var chosen = form.querySelector("input[name=status]:checked");
    wrap.hidden = !(chosen && (chosen.value === "resolved" || chosen.value === "completed"));
  }
  var forms = document.querySelectorAll("form");
  for (var i = 0; i < forms.length; i++) syncRestore(forms[i]);

  // The impact "Auto" picks, as models.SuggestImpact does.
  var suggestion = document.querySelector("[data-impact-suggestion]");
  var impact = document.getElementById("f-impact");
  var rank = { operational: 0, under_maintenance: 1, degraded_performance: 2, partial_outage: 3, major_outage: 4 };
  var impactNames = ["None", "None", "Minor", "Major", "Critical"];
  function suggestImpact() {
    if (!suggestion || !impact) return;
    var worst = 0;
    var selects = document.querySelectorAll("select[data-component-status]");
    for (var i = 0; i < selects.length; i++) worst = Math.max(worst, rank[selects[i].value] || 0);
    suggestion.textContent = "Auto picks: " + impactNames[worst] + ".";
    suggestion.hidden = impact.value !== "auto";
  }
  suggestImpact();

  // The postmortem editor: ask before leaving with changes not saved
  // (data-warn-unsaved), and autosave a draft (data-autosave).
  var guarded = document.querySelector("form[data-warn-unsaved]");
  if (guarded && window.URLSearchParams && window.FormData) {
    var serialize = function () { return new URLSearchParams(new FormData(guarded)).toString(); };
    var saved = serialize();
    var leaving = false;
    var saving = false;
    guarded.addEventListener("submit", function () { leaving = true; });
    window.addEventListener("beforeunload", function (ev) {
      if (leaving || serialize() === saved) return;
      ev.preventDefault();
      ev.returnValue = "";
    });
    var autoURL = guarded.getAttribute("data-autosave");
    var autoStatus = document.getElementById(guarded.getAttribute("data-autosave-status"));
    var say = function (text) { if (autoStatus) autoStatus.textContent = text; };
    // data-state says whether what is on screen is saved ("saved") or not
    // ("unsaved"), for people's tools and the browser tests.
    var mark = function () {
      if (autoStatus) autoStatus.setAttribute("data-state", serialize() === saved ? "saved" : "unsaved");
    };
    guarded.addEventListener("input", mark);
    var autosave = function () {
      var now = serialize();
      if (leaving || saving || now === saved) return;
      var token = guarded.querySelector("input[name=csrf]");
      saving = true;
      say("Saving…");
      fetch(autoURL, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          "Accept": "application/json",
          "X-CSRF-Token": token ? token.value : ""
        },
        body: now
      }).then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (data) {
          if (res.ok) {
            saved = now;
            say("Draft saved at " + data.saved_at + ".");
            mark();
          } else {
            say("Not saved (" + (data.error || "the server answered " + res.status) + "). Use “Save draft” to see why.");
          }
        });
      }).catch(function () {
        say("Not saved: the server cannot be reached. Your text is still here.");
      }).then(function () {
        saving = false;
      });
    };
    if (autoURL && window.fetch) window.setInterval(autosave, 4000);

    // The blameless check of the text as typed, a moment after typing
    // stops (data-blameless-check); the server's check on save stays the
    // authority.
    var checkBox = document.querySelector("[data-blameless-check]");
    if (checkBox && window.fetch) {
      var checkURL = checkBox.getAttribute("data-blameless-check");
      var checkTimer = null, checkedText = serialize(), asked = 0;
      var showWarnings = function (warnings) {
        while (checkBox.firstChild) checkBox.removeChild(checkBox.firstChild);
        if (!warnings.length) return;
        var box = document.createElement("div");
        box.className = "pm-warnings";
        box.setAttribute("role", "note");
        var head = document.createElement("h3");
        head.textContent = "Blameless check";
        var intro = document.createElement("p");
        intro.textContent = checkBox.getAttribute("data-blameless-intro");
        var list = document.createElement("ul");
        for (var i = 0; i < warnings.length; i++) {
          var li = document.createElement("li");
          li.textContent = warnings[i].message;
          list.appendChild(li);
        }
        box.appendChild(head);
        box.appendChild(intro);
        box.appendChild(list);
        checkBox.appendChild(box);
      };
      var check = function () {
        var now = serialize();
        if (now === checkedText) return;
        checkedText = now;
        var mine = ++asked;
        var token = guarded.querySelector("input[name=csrf]");
        fetch(checkURL, {
          method: "POST",
          credentials: "same-origin",
          headers: {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "X-CSRF-Token": token ? token.value : ""
          },
          body: now
        }).then(function (res) {
          return res.ok ? res.json() : null;
        }).then(function (data) {
          if (data && data.warnings && mine === asked) showWarnings(data.warnings);
        }).catch(function () {});
      };
      guarded.addEventListener("input", function () {
        window.clearTimeout(checkTimer);
        checkTimer = window.setTimeout(check, 700);
      });
    }
  }

  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (el.name === "status" && el.type === "radio" && el.form) syncRestore(el.form);
    if (el.classList && el.classList.contains("status-select")) el.className = "status-select status-" + el.value;
    suggestImpact();
  });
})();
