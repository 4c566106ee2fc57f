// «Velg organisasjon»: search as you type. Without JavaScript the form's own search gives the same list.
(function () {
  "use strict";
  var form = document.querySelector("form.org-search");
  if (!form) { return; }
  var input = form.querySelector("input[name=q]");
  var list = document.getElementById("org-results");
  var status = document.getElementById("org-results-status");
  var problem = document.getElementById("org-results-problem");
  var hint = document.getElementById("org-results-hint");
  var hintText = document.getElementById("org-results-hint-text");
  var hintLink = document.getElementById("org-results-hint-link");
  var none = document.getElementById("org-results-none");
  var timer = null;
  var latest = 0;

  function render(results) {
    list.textContent = "";
    results.forEach(function (choice) {
      var item = document.createElement("li");
      item.className = "result";
      var name = document.createElement("span");
      name.className = "result__name";
      name.textContent = choice.name;
      var meta = document.createElement("span");
      meta.className = "result__meta";
      meta.textContent = choice.orgnr_formatted + (choice.place ? " · " + choice.place : "");
      item.appendChild(name);
      item.appendChild(meta);
      if (choice.known) {
        var tag = document.createElement("span");
        tag.className = "tag";
        tag.textContent = list.dataset.knownLabel;
        item.appendChild(tag);
      }
      // The person's own tie to it: connected, or their request is waiting.
      if (choice.connection) {
        var mine = document.createElement("span");
        mine.className = "tag";
        mine.dataset.connection = choice.connection;
        mine.textContent = choice.connection === "active" ? list.dataset.activeLabel : list.dataset.pendingLabel;
        item.appendChild(mine);
      }
      var link = document.createElement("a");
      link.className = "button button--small";
      link.href = choice.url;
      link.textContent = list.dataset.chooseLabel;
      var hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = " " + choice.name;
      link.appendChild(hidden);
      item.appendChild(link);
      list.appendChild(item);
    });
    status.textContent = results.length === 1
      ? status.dataset.one : status.dataset.many.replace("{n}", String(results.length));
  }

  // A whole number the search did not find: what the register says of it (a sub-unit, deleted ...).
  function showHint(text, mainUrl) {
    hint.hidden = !text;
    hintText.textContent = text || "";
    hintLink.hidden = !mainUrl;
    if (mainUrl) { hintLink.querySelector("a").href = mainUrl; }
  }

  function search() {
    var query = input.value.trim();
    if (query.length < 2) { return; }
    var ticket = ++latest;
    fetch(form.dataset.searchUrl + "?q=" + encodeURIComponent(query), {
      headers: { "Accept": "application/json" }, credentials: "same-origin"
    }).then(function (response) { return response.json(); }).then(function (data) {
      if (ticket !== latest || !data) { return; }
      // The register did not answer: say so, rather than «0 organisasjoner funnet».
      problem.hidden = !data.unavailable;
      if (data.unavailable) {
        list.textContent = "";
        status.textContent = data.message;
        showHint(null, null);
        none.hidden = true;
      } else if (data.results) {
        render(data.results);
        showHint(data.hint, data.main_url);
        // Nothing found, and no word from the register on why: say so visibly, as the reloaded page does.
        none.hidden = data.results.length > 0 || Boolean(data.hint);
      }
    }).catch(function () { /* the search button still works */ });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
})();
