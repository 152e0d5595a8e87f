// The claim form in the admin: as an editor types a claim, list the tracked claims that look like it,
// so that the same claim is not checked twice. The list sits below the text field; the server fills it
// on the change page, and this script keeps it up to date from the admin's similar-claims endpoint.
(function () {
  "use strict";

  function init() {
    var box = document.getElementById("similar-claims");
    var field = document.getElementById("id_text");
    if (!box || !field) {
      return;
    }
    var row = field.closest(".form-row") || field.parentNode;
    row.parentNode.insertBefore(box, row.nextSibling);
    var list = box.querySelector("ul");
    var timer = null;
    var last = field.value.trim();
    var controller = null;

    function render(results) {
      list.textContent = "";
      results.forEach(function (claim) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = claim.url;
        link.textContent = claim.text;
        var meta = document.createElement("span");
        meta.className = "similar-meta";
        meta.textContent = " (" + claim.status_label + ", " + claim.verdict_label + ", " +
          Math.round(claim.similarity * 100) + "% alike)";
        item.appendChild(link);
        item.appendChild(meta);
        list.appendChild(item);
      });
      box.hidden = results.length === 0;
    }

    function lookup() {
      var text = field.value.trim();
      if (text === last) {
        return;
      }
      last = text;
      if (controller) {
        controller.abort();
      }
      if (text.length < 8) {
        render([]);
        return;
      }
      controller = new AbortController();
      var query = new URLSearchParams({ text: text, exclude: box.dataset.exclude || "" });
      fetch(box.dataset.url + "?" + query.toString(), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: controller.signal,
      })
        .then(function (response) {
          return response.ok ? response.json() : { results: [] };
        })
        .then(function (data) {
          render(data.results || []);
        })
        .catch(function () {});
    }

    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookup, 300);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
