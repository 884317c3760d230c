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

// A text area's character counter (broadcasts): the page shows the count it was served with;
// this keeps it current while typing. The count is the server's: NFC characters, not UTF-16
// units, and carriage returns are not counted.
function countCharacters(counter) {
  var box = document.getElementById(counter.getAttribute("data-for"));
  var max = parseInt(counter.getAttribute("data-max"), 10);
  var template = counter.getAttribute("data-template");
  var lang = document.documentElement.lang === "vi" ? "vi-VN" : "en-GB";
  if (!box || !template) {
    return;
  }
  var update = function () {
    var count = Array.from(box.value.replace(/\r/g, "").normalize("NFC").trim()).length;
    counter.textContent = template.replace("{count}", count.toLocaleString(lang));
    counter.classList.toggle("over", count > max);
  };
  box.addEventListener("input", update);
  update();
}

// A search box over a long checkbox list (a province's communes): hidden without scripts,
// where the whole list is there to scroll.
function filterList(input) {
  var list = document.getElementById(input.getAttribute("data-filters"));
  if (!list) {
    return;
  }
  var fold = function (text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d")
      .toLowerCase().trim();
  };
  input.hidden = false;
  document.querySelectorAll('label[for="' + input.id + '"]').forEach(function (label) {
    label.hidden = false;
  });
  input.addEventListener("input", function () {
    var wanted = fold(input.value);
    list.querySelectorAll("li").forEach(function (item) {
      item.hidden = wanted !== "" && fold(item.textContent).indexOf(wanted) === -1;
    });
  });
  // Enter here filters; it must not send the form.
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
    }
  });
}

// A form sent once: a second tap while the first is on its way would make a second notice.
// The buttons are disabled after the browser has read the form, so the one tapped still
// sends its name and value.
function sendOnce(form) {
  form.addEventListener("submit", function () {
    window.setTimeout(function () {
      form.querySelectorAll("button").forEach(function (button) {
        button.disabled = true;
      });
    }, 0);
  });
}

document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-template][data-for]").forEach(countCharacters);
  document.querySelectorAll("input[data-filters]").forEach(filterList);
  document.querySelectorAll("form[data-once]").forEach(sendOnce);
});
