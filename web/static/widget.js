/*
 * Kamerzoek zoekbox for any (intranet) page:
 *
 *   <script src="https://KAMERZOEK-HOST/widget.js" data-per-page="5"></script>
 *
 * The box appears where the tag stands. It calls /api/search on the host the
 * script came from, so that host must list the page's origin in CORS_ORIGINS
 * (KAMERZOEK_CORS_ORIGINS). Options, all optional, as data- attributes:
 *   data-title, data-placeholder, data-per-page (1-20), data-query (search at
 *   once), data-topic, data-year, data-dossier, data-doc-type, data-sender
 *   (filters; several values separated by "|").
 *
 * Plain JavaScript, no dependencies. Everything from the API is put on the
 * page as text; only <mark> elements are recreated, never parsed HTML.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !script.src || !script.parentNode) {
    return;
  }
  // The directory the script was served from, so a Kamerzoek mounted under a
  // path prefix works too.
  var base = new URL(".", script.src).href;
  var options = script.dataset;
  var FILTERS = { topic: "topic", year: "year", dossier: "dossier", docType: "doc_type",
                  sender: "sender" };
  var MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
                "september", "oktober", "november", "december"];
  var KST = /^kst-(\d{3,6})(?:-([IVXL]{1,5}|[A-Z]|\d{1,3}))?-(\d{1,4})$/i;
  var perPage = Math.min(20, Math.max(1, parseInt(options.perPage, 10) || 5));

  // --- building blocks ------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function filterParams() {
    var params = [];
    Object.keys(FILTERS).forEach(function (key) {
      (options[key] || "").split("|").forEach(function (value) {
        value = value.trim();
        if (value) { params.push([FILTERS[key], value]); }
      });
    });
    return params;
  }

  function url(path, query, extra) {
    var params = new URLSearchParams();
    if (query) { params.append("q", query); }
    filterParams().concat(extra || []).forEach(function (pair) {
      params.append(pair[0], pair[1]);
    });
    var search = params.toString();
    return base + path + (search ? "?" + search : "");
  }

  function citation(id) {
    var match = KST.exec(id || "");
    if (!match) { return null; }
    var main = match[1].length === 5 ? match[1].slice(0, 2) + " " + match[1].slice(2) : match[1];
    if (match[2]) {
      main += /^\d+$/.test(match[2]) ? "-" + match[2] : " " + match[2].toUpperCase();
    }
    return "Kamerstuk " + main + ", nr. " + (match[3].replace(/^0+/, "") || "0");
  }

  function dutchDate(iso) {
    var parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    if (!parts) { return "datum onbekend"; }
    return parseInt(parts[3], 10) + " " + MONTHS[parseInt(parts[2], 10) - 1] + " " + parts[1];
  }

  function number(value) {
    return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  }

  // A snippet is escaped text with <mark> around matches. It is parsed in a
  // detached document (no scripts run, nothing loads) and only its text and
  // <mark> elements are copied over, so even a broken server could not put
  // markup on the host page.
  function snippetNodes(snippet) {
    var fragment = document.createDocumentFragment();
    var nodes;
    try {
      nodes = new DOMParser().parseFromString("<body>" + snippet, "text/html").body.childNodes;
    } catch (error) {
      // A page enforcing Trusted Types refuses DOMParser: plain text instead.
      fragment.appendChild(document.createTextNode(
        snippet.replace(/<\/?mark>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">")
          .replace(/&quot;/g, "\"").replace(/&#x27;/g, "'").replace(/&amp;/g, "&")));
      return fragment;
    }
    Array.prototype.forEach.call(nodes, function (node) {
      if (node.nodeType === 1 && node.nodeName === "MARK") {
        fragment.appendChild(el("mark", "kzw-mark", node.textContent));
      } else {
        fragment.appendChild(document.createTextNode(node.textContent));
      }
    });
    return fragment;
  }

  // --- the box ------------------------------------------------------------------

  var host = el("div", "kamerzoek-widget");
  script.parentNode.insertBefore(host, script);
  // A shadow root keeps the host page's CSS out and ours in.
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;

  var stylesheet = el("link");
  stylesheet.rel = "stylesheet";
  stylesheet.href = base + "static/widget.css";
  var box = el("section", "kzw");
  // Hidden until styled, so the page never shows a flash of bare HTML.
  box.hidden = true;
  stylesheet.onload = stylesheet.onerror = function () { box.hidden = false; };
  root.appendChild(stylesheet);
  root.appendChild(box);

  var title = options.title || "Zoek in Kamerbrieven";
  box.setAttribute("aria-label", title);
  box.appendChild(el("p", "kzw-title", title));
  var form = el("form", "kzw-form");
  form.setAttribute("role", "search");
  var input = el("input", "kzw-input");
  input.type = "search";
  input.name = "q";
  input.maxLength = 1000;
  input.autocomplete = "off";
  input.placeholder = options.placeholder || "Bijvoorbeeld: autonome wapens";
  input.setAttribute("aria-label", title);
  var button = el("button", "kzw-button", "Zoeken");
  button.type = "submit";
  form.appendChild(input);
  form.appendChild(button);
  box.appendChild(form);
  var status = el("p", "kzw-status");
  status.setAttribute("role", "status");
  box.appendChild(status);
  var hits = el("ol", "kzw-hits");
  box.appendChild(hits);
  var footer = el("p", "kzw-footer");
  box.appendChild(footer);

  var pending = null;

  function setStatus(text, isError) {
    status.textContent = text;
    status.className = "kzw-status" + (isError ? " kzw-status--error" : "");
  }

  function showFooter(query, total) {
    footer.textContent = "";
    if (total > perPage) {
      var more = el("a", "kzw-more", "Alle " + number(total) + " resultaten op Kamerzoek ›");
      more.href = url("", query);
      footer.appendChild(more);
    }
    var credit = el("a", "kzw-credit", "Kamerzoek");
    credit.href = base;
    var by = el("span", "kzw-by", "Zoekresultaten van ");
    by.appendChild(credit);
    footer.appendChild(by);
  }

  function renderHit(hit, query) {
    var item = el("li", "kzw-hit");
    var meta = el("p", "kzw-meta");
    var cited = citation(hit.kamerstuk);
    if (cited) { meta.appendChild(el("span", "kzw-citation", cited)); }
    var date = el("time", "kzw-date", dutchDate(hit.date));
    if (hit.date) { date.dateTime = hit.date; }
    meta.appendChild(date);
    if (hit.doc_type) { meta.appendChild(el("span", "kzw-type", hit.doc_type)); }
    item.appendChild(meta);
    var heading = el("h3", "kzw-hit-title");
    var link = el("a", "kzw-link", hit.title || cited || hit.id);
    link.href = base + encodeURIComponent(hit.id) + (query ? "?q=" + encodeURIComponent(query) : "");
    heading.appendChild(link);
    item.appendChild(heading);
    (hit.snippets || []).slice(0, 1).forEach(function (snippet) {
      var text = el("p", "kzw-snippet");
      text.appendChild(snippetNodes(snippet));
      item.appendChild(text);
    });
    return item;
  }

  function renderSuggestion(suggestion) {
    var line = el("p", "kzw-suggestion", "Bedoelde u: ");
    var again = el("button", "kzw-suggest", suggestion);
    again.type = "button";
    again.addEventListener("click", function () {
      input.value = suggestion;
      search(suggestion);
    });
    line.appendChild(again);
    line.appendChild(document.createTextNode("?"));
    return line;
  }

  function render(data, query) {
    hits.textContent = "";
    var old = box.querySelector(".kzw-suggestion");
    if (old) { old.remove(); }
    if (!data.total) {
      setStatus(query ? "Geen documenten gevonden voor “" + query + "”." : "Geen documenten gevonden.");
    } else {
      setStatus(number(data.total) + (data.total === 1 ? " resultaat" : " resultaten") +
                (query ? " voor “" + query + "”" : ""));
    }
    if (data.suggestion) { box.insertBefore(renderSuggestion(data.suggestion), hits); }
    (data.hits || []).forEach(function (hit) { hits.appendChild(renderHit(hit, query)); });
    showFooter(query, data.total || 0);
  }

  function search(query) {
    if (pending) { pending.abort(); }
    pending = typeof AbortController === "function" ? new AbortController() : null;
    box.setAttribute("aria-busy", "true");
    setStatus("Zoeken…");
    fetch(url("api/search", query, [["per_page", String(perPage)]]), {
      headers: { Accept: "application/json" },
      credentials: "omit",
      signal: pending ? pending.signal : undefined
    }).then(function (response) {
      // A proxy in between may answer with HTML: read it as "no JSON".
      return response.json().catch(function () { return null; }).then(function (data) {
        if (!response.ok || !data) {
          throw new Error((data && data.error && data.error.message) ||
                          "Kamerzoek kon deze zoekvraag niet beantwoorden (fout " +
                          response.status + ").");
        }
        return data;
      });
    }).then(function (data) {
      render(data, query);
    }).catch(function (error) {
      if (error.name === "AbortError") { return; }
      hits.textContent = "";
      footer.textContent = "";
      // A refused CORS request surfaces as a TypeError without details.
      setStatus(error instanceof TypeError
        ? "Kamerzoek is niet bereikbaar vanaf deze pagina. Probeer het later opnieuw."
        : error.message, true);
    }).then(function () {
      box.removeAttribute("aria-busy");
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var query = input.value.trim();
    if (query || filterParams().length) {
      search(query);
    } else {
      input.focus();
    }
  });

  if (options.query) {
    input.value = options.query;
    search(options.query.trim());
  }
}());
