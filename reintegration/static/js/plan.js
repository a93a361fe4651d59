// The live budget check: while the user types, post the unsaved drafting form to the
// server's check endpoint and show the panel it returns. The server stays the judge;
// without this file the page recomputes on save. No inline script (CSP).
(function () {
  "use strict";
  var DELAY_MS = 400;

  function init() {
    var form = document.getElementById("plan-form");
    var panel = document.getElementById("plan-check");
    if (!form || !panel || !window.fetch || !window.FormData) {
      return;
    }
    var url = form.getAttribute("data-check-url");
    var timer = null;
    var sequence = 0;

    function placeLineFindings() {
      // Line findings also go beside their line row.
      var slots = form.querySelectorAll("[data-line-slot]");
      Array.prototype.forEach.call(slots, function (slot) {
        while (slot.firstChild) { slot.removeChild(slot.firstChild); }
      });
      var found = panel.querySelectorAll("[data-line]");
      Array.prototype.forEach.call(found, function (item) {
        var slot = form.querySelector('[data-line-slot="' + item.getAttribute("data-line") + '"]');
        if (!slot) { return; }
        var li = document.createElement("li");
        li.className = item.className;
        var link = item.querySelector("a, span:not(.badge)");
        var badge = item.querySelector(".badge");
        if (badge) { li.appendChild(badge.cloneNode(true)); li.appendChild(document.createTextNode(" ")); }
        li.appendChild(document.createTextNode(link ? link.textContent : ""));
        slot.appendChild(li);
      });
    }

    function refresh() {
      var mine = ++sequence;
      var requested = Date.now();
      var data = new FormData(form);
      data.delete("action");
      panel.classList.add("app-check-stale");
      fetch(url, { method: "POST", body: data, credentials: "same-origin",
                   headers: { "X-Requested-With": "fetch" } })
        .then(function (response) {
          if (!response.ok || response.redirected) { throw new Error("check failed: " + response.status); }
          // A request renews the session: the timeout warning (session.js) counts from it.
          document.dispatchEvent(new CustomEvent("session:renewed", { detail: { requested: requested } }));
          return response.text();
        })
        .then(function (html) {
          if (mine !== sequence) { return; } // a newer check is on its way
          panel.innerHTML = html;
          panel.classList.remove("app-check-stale");
          placeLineFindings();
        })
        .catch(function () {
          panel.classList.remove("app-check-stale");
        });
    }

    function schedule() {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(refresh, DELAY_MS);
    }

    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    guardUnsaved(form);
  }

  // Typed but not saved: the submit and comment forms, a link or closing the tab would
  // leave the page and lose it. Say so beside the submit button, and let the browser
  // ask before the page is left. Saving the plan form (any of its buttons) is not leaving.
  function guardUnsaved(form) {
    var notice = document.getElementById("plan-unsaved");
    var dirty = false;

    function changed() {
      if (dirty) { return; }
      dirty = true;
      if (notice) { notice.hidden = false; }
    }

    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (event) {
      if (!dirty) { return; }
      event.preventDefault();
      event.returnValue = "";
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
