// Behaviour for every page, from a file so the Content-Security-Policy allows no inline script.

// Copy buttons are hidden until this runs; without JavaScript commands stay selectable.
document.documentElement.classList.add("js");

document.addEventListener("click", function (event) {
  var button = event.target.closest("button.copy");
  if (!button) return;
  var code = button.parentElement.querySelector("code");
  function say(label) {
    button.textContent = label;
    setTimeout(function () { button.textContent = "Copy"; }, 1500);
  }
  function selectIt() {
    var range = document.createRange();
    range.selectNodeContents(code);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    say("Press Ctrl+C");
  }
  // The clipboard API exists only on https and localhost.
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(code.textContent).then(function () { say("Copied"); }, selectIt);
  } else {
    selectIt();
  }
});

// Polling regions (data-poll) skip their requests while the tab is hidden and catch up
// when it is shown again: an htmx trigger filter would need eval, which the CSP forbids.
document.addEventListener("htmx:beforeRequest", function (event) {
  var region = event.detail.elt;
  if (document.hidden && region.hasAttribute("data-poll")) {
    region.setAttribute("data-poll-missed", "");
    event.preventDefault();
  }
});

document.addEventListener("visibilitychange", function () {
  if (document.hidden) return;
  document.querySelectorAll("[data-poll][data-poll-missed]").forEach(function (region) {
    region.removeAttribute("data-poll-missed");
    htmx.trigger(region, "poll-now");
  });
});
