// Console niceties; every page works without them.
// - A form with data-confirm="Question?" asks before it is sent.
// - After a failed submit, the error summary takes the focus, so screen
//   readers announce it and keyboard users start from it.
(function () {
  "use strict";
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) ev.preventDefault();
  });

  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
