/* The cascading region picker of the public forms: province → city → district, each list fed
 * by GET /api/v1/regions/?parent=CODE. It fills the form's own region input with the code of the
 * most specific region chosen; without JavaScript the input stays a text box where a code or a
 * name can be typed (the server resolves either). No inline script: the CSP forbids it. */
(function () {
  "use strict";

  // The words come translated from the page (the input's data-label-* attributes).
  var LEVELS = ["province", "city", "district"];
  function label(input, name) { return input.getAttribute("data-label-" + name) || ""; }

  function fetchChildren(url, parent) {
    return fetch(url + "?parent=" + encodeURIComponent(parent), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    }).then(function (response) {
      if (!response.ok) throw new Error("regions " + response.status);
      return response.json();
    }).then(function (data) {
      return Array.isArray(data) ? data : (data.results || []);
    });
  }

  function picker(input) {
    var url = input.getAttribute("data-regions-url");
    if (!url || !window.fetch) return;
    var initial = (input.value || "").trim();
    if (initial && !/^\d{6}$/.test(initial)) return; // a typed name: leave the text box as it is

    var box = document.createElement("div");
    box.className = "region-picker";
    var chosen = document.createElement("div");
    chosen.className = "help region-chosen";
    chosen.setAttribute("aria-live", "polite");
    input.parentNode.insertBefore(box, input);
    input.parentNode.insertBefore(chosen, input.nextSibling);
    input.type = "hidden";
    var selects = [];

    function truncate(level) {
      while (selects.length > level) box.removeChild(selects.pop());
    }

    function addLevel(parent, regions, preselect) {
      var level = selects.length;
      var select = document.createElement("select");
      select.setAttribute("aria-label", label(input, LEVELS[Math.min(level, 2)]));
      select.setAttribute("data-level", String(level));
      if (level === 0 && input.id) select.id = input.id + "-province";
      var blank = document.createElement("option");
      blank.value = "";
      blank.textContent = label(input, LEVELS[Math.min(level, 2)]);
      select.appendChild(blank);
      regions.forEach(function (r) {
        var option = document.createElement("option");
        option.value = r.code;
        option.textContent = r.name;
        option.setAttribute("data-full-name", r.full_name);
        select.appendChild(option);
      });
      select.addEventListener("change", function () { choose(level, select.value, null); });
      selects.push(select);
      box.appendChild(select);
      if (preselect) {
        var match = regions.filter(function (r) { return preselect.indexOf(r.code) >= 0; })[0];
        if (match) {
          select.value = match.code;
          choose(level, match.code, preselect);
        }
      }
    }

    function choose(level, code, preselect) {
      truncate(level + 1);
      var select = selects[level];
      if (!code) {
        var above = level > 0 ? selects[level - 1].value : "";
        input.value = above;
        showChosen(level > 0 ? selects[level - 1] : null);
        return;
      }
      input.value = code;
      showChosen(select);
      if (level >= 2) return;
      fetchChildren(url, code).then(function (children) {
        if (children.length && selects[level] === select && select.value === code) {
          addLevel(code, children, preselect);
        }
      }).catch(function () { /* the chosen level stands; the server accepts it */ });
    }

    function showChosen(select) {
      var option = select ? select.options[select.selectedIndex] : null;
      chosen.textContent = option && option.value ? label(input, "chosen") + option.getAttribute("data-full-name") : "";
    }

    // A code kept from a failed submission is shown again: province, city, district.
    var chain = /^\d{6}$/.test(initial)
      ? [initial.slice(0, 2) + "0000", initial.slice(0, 4) + "00", initial]
      : null;
    fetchChildren(url, "").then(function (provinces) {
      addLevel("", provinces, chain);
    }).catch(function () {
      box.parentNode.removeChild(box);
      chosen.parentNode.removeChild(chosen);
      input.type = "text"; // the text box works without the lists
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var inputs = document.querySelectorAll("input[data-region-picker]");
    for (var i = 0; i < inputs.length; i++) picker(inputs[i]);
  });
})();
