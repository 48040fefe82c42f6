// claimwatch claims page: alerts arrive live from the worker's SSE stream.
// Plain JavaScript, no build step. Alert text is untrusted: it is only ever
// set as textContent, never parsed as HTML.
(function () {
  "use strict";

  var panel = document.querySelector("[data-stream]");
  if (!panel || !window.EventSource) {
    return;
  }
  var list = panel.querySelector(".alert-list");
  var template = document.getElementById("alert-template");
  var liveState = panel.querySelector("[data-live-state]");
  var noAlerts = panel.querySelector("[data-no-alerts]");
  var onlyClaim = panel.getAttribute("data-only-claim") || "";
  var types = (panel.getAttribute("data-stream-types") || "").split(" ");
  var url = panel.getAttribute("data-stream");
  var lastId = panel.getAttribute("data-last-alert-id");
  if (lastId) {
    // what the page shows already: the stream starts after it, nothing falls between
    url += (url.indexOf("?") < 0 ? "?" : "&") + "last_event_id=" + encodeURIComponent(lastId);
  }

  function say(text) {
    liveState.textContent = text;
  }

  function whenText(iso) {
    // the server's format: 2026-03-02 06:10 UTC
    var t = new Date(iso);
    if (!iso || isNaN(t.getTime())) {
      return iso || "";
    }
    return t.toISOString().slice(0, 16).replace("T", " ") + " UTC";
  }

  function field(node, name) {
    return node.querySelector('[data-field="' + name + '"]');
  }

  function alertType(ceType) {
    var m = /^io\.claimwatch\.claim\.(.+)\.v1$/.exec(ceType || "");
    return m ? m[1] : ceType;
  }

  function stancesText(stances) {
    return Object.keys(stances || {}).sort().map(function (party) {
      return party + ": " + stances[party];
    }).join(", ");
  }

  function render(event) {
    var data = event.data || {};
    var claim = data.claim || {};
    var ev = data.evidence || {};
    var item = template.content.firstElementChild.cloneNode(true);
    var type = alertType(event.type);
    item.className = "alert alert-" + type + " alert-new";
    item.setAttribute("data-alert-id", event.id || "");
    item.setAttribute("data-claim-id", claim.id || "");
    field(item, "type").textContent = type;
    var link = field(item, "claim");
    link.textContent = claim.text || claim.id || "";
    link.setAttribute("href", "/page/claims/" + encodeURIComponent(claim.id || ""));
    field(item, "change").textContent =
      (data.previous_status || "") + " \u2192 " + (data.new_status || "");
    field(item, "stances").textContent = stancesText(data.party_stances);
    var time = field(item, "time");
    time.setAttribute("datetime", event.time || "");
    time.textContent = whenText(event.time);
    field(item, "quote").textContent = ev.quote || "";
    var who = ev.speaker || "";
    if (ev.party && ev.party !== ev.speaker) {
      who += " (" + ev.party + ")";
    }
    field(item, "who").textContent = who;
    return item;
  }

  function updateClaim(event) {
    var data = event.data || {};
    var claimId = (data.claim || {}).id;
    var rows = document.querySelectorAll("[data-claim-id]");
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      if (row.getAttribute("data-claim-id") !== claimId || row.closest(".alert-list")) {
        // another claim, or an alert about this one
        continue;
      }
      var badge = field(row, "status");
      if (badge && data.new_status) {
        badge.textContent = data.new_status;
        badge.className = "badge status-" + data.new_status;
      }
      if (row.classList.contains("claim")) {
        field(row, "stances").textContent = stancesText(data.party_stances);
      }
      var changed = field(row, "changed");
      if (changed) {
        changed.hidden = false;
      }
      var folded = row.closest("details");
      if (folded) {
        folded.open = true; // an unverified claim that changed: show it
      }
    }
    var notice = document.querySelector("[data-new-alert]");
    if (notice) {
      notice.hidden = false;
    }
  }

  function received(message) {
    var event;
    try {
      event = JSON.parse(message.data);
    } catch (e) {
      return;
    }
    if (!event || !event.id) {
      return;
    }
    if (list.querySelector('[data-alert-id="' + CSS.escape(event.id) + '"]')) {
      return; // shown already
    }
    if (onlyClaim && event.subject !== onlyClaim) {
      return;
    }
    list.insertBefore(render(event), list.firstChild);
    if (noAlerts) {
      noAlerts.hidden = true;
    }
    updateClaim(event);
  }

  var source = new EventSource(url);
  types.forEach(function (type) {
    if (type) {
      source.addEventListener(type, received);
    }
  });
  source.onopen = function () {
    say("live");
    panel.setAttribute("data-live", "1");
  };
  source.onerror = function () {
    // EventSource reconnects by itself, sending the last id it saw
    say(source.readyState === EventSource.CLOSED ? "not live (stream closed)" : "reconnecting\u2026");
    panel.removeAttribute("data-live");
  };
  say("connecting\u2026");
})();
