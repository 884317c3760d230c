// Bình Yên panel: the little the pages need beyond htmx. Every page works without it.
"use strict";

// htmx requests carry the session's CSRF token as a header as well as the forms' hidden
// field, so a button without a form (polling, "more") is covered too.
document.addEventListener("htmx:configRequest", function (event) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) {
    event.detail.headers["X-CSRF-Token"] = meta.getAttribute("content");
  }
});

// A request that failed outright (network, 5xx) says so instead of doing nothing.
document.addEventListener("htmx:sendError", function () {
  document.body.classList.add("offline");
});
document.addEventListener("htmx:afterRequest", function (event) {
  if (event.detail.successful) {
    document.body.classList.remove("offline");
  }
});
