// The timeout warning (WCAG 2.1 SC 2.2.1, Timing Adjustable). The session ends after a
// set time without a request (data-lifetime, from PERMANENT_SESSION_LIFETIME). Some
// minutes before (data-warning), this shows the dialog of templates/core/_session_timeout.html:
// "Stay signed in" asks the server to start the time again (auth.keep_alive), and a page
// with typed, unsent text says so. When the time has run out it says that, and a form
// sent afterwards is first checked with the server rather than refused and lost. When the
// user signs in again (in another tab), the page takes the new session's form tokens, so
// what was typed here can still be sent.
// Without this file the limit is the same, unannounced. No inline script (CSP) and no
// design-system script: the dialog needs only what is here, in any page shell.
(function () {
  "use strict";
  // When the session ends (ms since 1970), as last known by any of the user's tabs: a
  // page loaded in one renews the session for all of them.
  var SHARED = "reintegration.session-ends";
  // Which sign-in the user's tabs last loaded a page of: "user id:digest" (sign_in_key).
  var SIGN_IN = "reintegration.sign-in";

  // When a session renewed by a request sent at `requested` ends: counted a second early,
  // never late (the cookie's expiry date has whole seconds).
  function endOf(requested, seconds) {
    return requested + seconds * 1000 - 1000;
  }

  function shared() {
    try { return Number(window.localStorage.getItem(SHARED)) || 0; } catch (e) { return 0; }
  }

  function share(ends) {
    try { window.localStorage.setItem(SHARED, String(ends)); } catch (e) { /* no storage: this tab alone */ }
  }

  function shareSignIn(key) {
    try { window.localStorage.setItem(SIGN_IN, key); } catch (e) { /* no storage: this tab alone */ }
  }

  function userOf(key) {
    return String(key || "").split(":")[0];
  }

  // "4 minutes", "35 seconds": the browser's own words for the units, in the page's language.
  function duration(ms, lang) {
    var seconds = Math.max(0, Math.ceil(ms / 1000));
    var minutes = seconds >= 60;
    try {
      return new Intl.NumberFormat(lang, { style: "unit", unit: minutes ? "minute" : "second", unitDisplay: "long" })
        .format(minutes ? Math.ceil(seconds / 60) : seconds);
    } catch (e) {
      return Math.floor(seconds / 60) + ":" + ("0" + seconds % 60).slice(-2);
    }
  }

  // What the live region says, and when: at each new minute, then once at 20 seconds.
  // Every second would drown out everything else a screen reader has to say.
  function milestone(ms) {
    var seconds = Math.ceil(ms / 1000);
    return seconds > 60 ? Math.ceil(seconds / 60) * 60 : (seconds > 20 ? 60 : 20);
  }

  function init() {
    var root = document.getElementById("session-timeout");
    if (!root || !window.fetch || !window.FormData) {
      return;
    }
    var dialog = root.querySelector("[role=alertdialog]");
    var backdrop = root.querySelector("[data-session-backdrop]");
    var stayForm = root.querySelector("[data-session-stay]");
    var countdown = root.querySelector("[data-session-countdown]");
    var announcer = root.querySelector("[data-session-announce]");
    var unreachable = root.querySelector("[data-session-unreachable]");
    var lang = document.documentElement.lang;
    var signIn = root.getAttribute("data-key") || "";
    var tokenUrl = root.getAttribute("data-token");
    var signInLink = root.querySelector("[data-session-sign-in]");
    var lifetime = Number(root.getAttribute("data-lifetime"));
    var warning = Number(root.getAttribute("data-warning")) * 1000;
    var timing = window.performance && window.performance.timing;
    // This page's request started the session's time again (the files it loaded do not).
    var ends = Math.max(endOf((timing && timing.requestStart) || Date.now(), lifetime), shared());
    var expired = false;
    var shown = null; // the part of the dialog showing: "warning", "expired" or none
    var dirty = false; // typed into a form of the page and not sent
    var typedIn = []; // those forms
    var leaving = null; // the form being sent, which takes its typing with it
    var spoken = null;
    var timer = null;
    var inerted = [];
    var returnTo = null;
    var passing = null; // a form let through once the server confirmed the session

    function each(selector, fn) {
      Array.prototype.forEach.call(root.querySelectorAll(selector), fn);
    }

    function open() {
      returnTo = document.activeElement;
      Array.prototype.forEach.call(document.body.children, function (child) {
        if (child !== root && child.tagName !== "SCRIPT" && !child.hasAttribute("inert")) {
          child.setAttribute("inert", "");
          inerted.push(child);
        }
      });
      document.body.classList.add("modal-open");
      backdrop.classList.add("show");
      dialog.hidden = false;
      dialog.setAttribute("aria-hidden", "false");
    }

    function close() {
      shown = null;
      inerted.forEach(function (child) { child.removeAttribute("inert"); });
      inerted = [];
      document.body.classList.remove("modal-open");
      backdrop.classList.remove("show");
      dialog.hidden = true;
      dialog.setAttribute("aria-hidden", "true");
      if (returnTo && typeof returnTo.focus === "function") { returnTo.focus(); }
    }

    function show(part) {
      if (shown === part) { return; }
      each("[data-session-part]", function (el) { el.hidden = el.getAttribute("data-session-part") !== part; });
      each("[data-session-unsaved]", function (el) { el.hidden = !dirty; });
      // With typing to keep, signing in again happens in a new tab: this page stays.
      if (dirty) {
        signInLink.setAttribute("target", "_blank");
        signInLink.setAttribute("rel", "noopener");
      } else {
        signInLink.removeAttribute("target");
      }
      unreachable.hidden = true;
      dialog.setAttribute("aria-labelledby", "session-" + part + "-heading");
      dialog.setAttribute("aria-describedby", "session-" + part + "-text");
      if (!shown) { open(); }
      shown = part;
      spoken = null;
      document.getElementById("session-" + part + "-heading").focus();
    }

    function tell(left) {
      countdown.textContent = duration(left, lang);
      var now = milestone(left);
      if (spoken !== null && now !== spoken) {
        var sentence = announcer.getAttribute("data-countdown");
        announcer.textContent = sentence.replace("{time}", duration(now * 1000, lang));
      }
      spoken = now;
    }

    function expire() {
      expired = true;
      clearTimeout(timer);
      show("expired");
      announcer.textContent = document.getElementById("session-expired-text").innerText;
    }

    function check() {
      clearTimeout(timer);
      if (expired) { return; }
      ends = Math.max(ends, shared());
      var left = ends - Date.now();
      if (left <= 0) {
        expire();
      } else if (left <= warning) {
        show("warning");
        tell(left);
        timer = setTimeout(check, Math.min(1000, left));
      } else {
        if (shown) { close(); } // renewed in another tab
        timer = setTimeout(check, left - warning);
      }
    }

    function renewed(at) {
      expired = false;
      ends = at;
      share(ends);
      if (shown) { close(); }
      check();
    }

    function cannotReach() {
      show(expired ? "expired" : "warning");
      unreachable.hidden = false;
      announcer.textContent = unreachable.innerText;
    }

    // Ask the server to start the session's time again. It answers how long the session
    // lasts; a redirect to sign in or a refused form token means it had ended already.
    function renew(then) {
      var asked = Date.now();
      fetch(stayForm.action, { method: "POST", body: new FormData(stayForm), credentials: "same-origin",
                               redirect: "manual", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) {
          if (response.ok) { return response.json(); }
          return response.status >= 500 ? null : {};
        })
        .then(function (answer) {
          if (answer && answer.expires_in) {
            renewed(endOf(asked, answer.expires_in));
            if (then) { then(); }
          } else if (answer) {
            adopt(then);
          } else {
            cannotReach();
          }
        })
        .catch(cannotReach);
    }

    // The session this page's forms belong to has ended, or the user signed in again
    // elsewhere: take the current session's form token for every form of the page, if it
    // is the same user's (never another person's, on a shared computer), and go on.
    // Otherwise the page says the user was signed out.
    function adopt(then) {
      var asked = Date.now();
      fetch(tokenUrl, { credentials: "same-origin", redirect: "manual", cache: "no-store",
                        headers: { "X-Requested-With": "fetch" } })
        .then(function (response) {
          if (response.ok) { return response.json(); }
          return response.status >= 500 ? null : {};
        })
        .then(function (answer) {
          if (answer && answer.csrf_token && userOf(answer.key) === userOf(signIn)) {
            Array.prototype.forEach.call(document.querySelectorAll("input[name=csrf_token]"), function (input) {
              input.value = answer.csrf_token;
            });
            signIn = answer.key;
            renewed(endOf(asked, answer.expires_in));
            if (then) { then(); }
          } else if (answer) {
            expire();
          } else {
            cannotReach();
          }
        })
        .catch(cannotReach);
    }

    function send(form, submitter) {
      passing = form;
      leaving = form;
      if (typeof form.requestSubmit === "function") {
        form.requestSubmit(submitter || null);
      } else {
        form.submit();
      }
    }

    function posts(form) {
      return (form.getAttribute("method") || "").toLowerCase() === "post";
    }

    function changed(event) {
      var form = event.target && event.target.form;
      if (form && !root.contains(form) && posts(form)) {
        dirty = true;
        if (typedIn.indexOf(form) < 0) { typedIn.push(form); }
      }
    }

    stayForm.addEventListener("submit", function (event) {
      event.preventDefault();
      renew();
    });
    root.querySelector("[data-session-close]").addEventListener("click", close);
    dialog.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") { return; }
      event.preventDefault();
      if (shown === "warning") { renew(); } else { close(); } // dismissing the warning is being here
    });
    document.addEventListener("input", changed, true);
    document.addEventListener("change", changed, true);
    // After the time has run out by this page's reckoning, a form sent would be refused and
    // its typing lost. Unless the session lives after all (renewed by a download in another
    // tab, which this script does not see): sending is activity, so ask, and send if it does.
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (form === passing || root.contains(form) || !posts(form)) { return; }
      check();
      if (!expired) { return; }
      event.preventDefault();
      event.stopPropagation();
      var submitter = event.submitter;
      renew(function () { send(form, submitter); });
    }, true);
    // Leaving the page any other way than by sending what was typed (a link, another
    // form such as the language switch or signing out, closing the tab) loses the typing:
    // the browser asks first. Sending the form that holds it is not losing it.
    document.addEventListener("submit", function (event) {
      if (!event.defaultPrevented) { leaving = event.target; }
    });
    window.addEventListener("beforeunload", function (event) {
      var unsent = typedIn.filter(function (form) { return form !== leaving && document.contains(form); });
      if (!unsent.length) { return; }
      event.preventDefault();
      event.returnValue = "";
    });
    // Another request of this page (plan.js's live check) renewed the session too.
    document.addEventListener("session:renewed", function (event) {
      renewed(Math.max(ends, endOf(event.detail.requested, lifetime)));
    });
    window.addEventListener("storage", function (event) {
      if (event.key === SHARED) { check(); }
      if (event.key === SIGN_IN && event.newValue && event.newValue !== signIn) { adopt(); }
    });
    // Timers wait while a phone sleeps or a tab is in the background: look again on return.
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) { check(); }
    });

    share(ends);
    shareSignIn(signIn);
    check();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
