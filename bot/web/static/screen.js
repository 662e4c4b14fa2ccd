// Ask for the board every few seconds and redraw it; keep asking while the bot restarts.
(function () {
  "use strict";
  var board = document.getElementById("board");
  var lang = board.getAttribute("data-lang");
  var every = parseInt(board.getAttribute("data-poll-ms"), 10) || 3000;

  function text(id, value) { document.getElementById(id).textContent = value; }

  function item(entry, parts) {
    var li = document.createElement("li");
    parts.forEach(function (part, i) {
      if (!entry[part]) { return; }
      if (i > 0) { li.appendChild(document.createTextNode(" ")); }
      var span = document.createElement("span");
      span.className = part;
      span.textContent = entry[part];
      li.appendChild(span);
    });
    return li;
  }

  function list(id, entries, parts, empty) {
    var ul = document.getElementById(id);
    while (ul.firstChild) { ul.removeChild(ul.firstChild); }
    if (!entries.length) {
      var li = document.createElement("li");
      li.className = "empty";
      li.textContent = empty;
      ul.appendChild(li);
      return;
    }
    entries.forEach(function (entry) { ul.appendChild(item(entry, parts)); });
  }

  function draw(b) {
    text("date", b.date);
    text("time", b.time);
    list("now", b.now, ["title", "room", "until"], b.labels.nothing_now);
    text("next-at", b.next ? b.next.at : "");
    list("next", b.next ? b.next.items : [], ["title", "room"], b.labels.nothing_next);
    text("now-more", b.now_more);
    text("next-more", b.next ? b.next.more : "");
    var notice = document.getElementById("notice");
    notice.hidden = !b.notice;
    text("notice-text", b.notice || "");
    board.setAttribute("data-updated", String(Date.now()));
  }

  function poll() {
    fetch("/screen.json?lang=" + encodeURIComponent(lang), { cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (b) { draw(b); document.getElementById("offline").hidden = true; })
      .catch(function () { document.getElementById("offline").hidden = false; })
      .then(function () { window.setTimeout(poll, every); });
  }
  window.setTimeout(poll, every);
})();
