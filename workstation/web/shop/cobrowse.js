// The cobrowse script of the demo shop: records this page with rrweb while the customer shares it,
// masking on this device, and shows what the agent does (pointer, highlight). The chat widget
// (widget.js) owns the connection and the customer's consent; this file only records and draws.
(function () {
  "use strict";

  // Fields whose value must never leave the browser, whatever the page's markup says.
  const SENSITIVE = /card|cc-|cvv|cvc|csc|iban|passw|pin\b|secur|expir/i;
  // Blocked elements are not recorded at all (the agent sees an empty box of the same size).
  const BLOCK_SELECTOR =
    "[data-cobrowse-block], .cobrowse-ui, input[type=password], input[autocomplete^='cc-']";

  function isSensitive(el) {
    if (!el) return true;
    const type = (el.getAttribute("type") || "").toLowerCase();
    const hints = [el.getAttribute("autocomplete"), el.name, el.id].join(" ");
    return type === "password" || SENSITIVE.test(hints) || !!el.closest(BLOCK_SELECTOR);
  }

  // rrweb calls this only for inputs maskAllInputs selected, i.e. all of them. Allowlisted harmless
  // fields (search box, quantity, delivery option) go as typed; everything else as a fixed-length
  // mask, so not even the length of what was typed is shared.
  function maskInput(text, el) {
    if (el && el.closest("[data-cobrowse-allow]") && !isSensitive(el)) return text;
    return text ? "********" : "";
  }

  let stopRecording = null;
  let layer = null;

  function overlayLayer() {
    if (!layer || !document.body.contains(layer)) {
      layer = document.createElement("div");
      layer.className = "cobrowse-ui cobrowse-layer rr-block";
      layer.setAttribute("aria-hidden", "true");
      document.body.appendChild(layer);
    }
    return layer;
  }

  const Cobrowse = {
    available: typeof window.rrweb !== "undefined" && !!window.rrweb.record,
    recording: false,

    // Start recording for `sessionId`; `send(events)` ships a batch to the relay.
    start(sessionId, send) {
      if (!this.available || this.recording) return this.recording;
      let batch = [];
      let timer = null;
      const flush = () => {
        timer = null;
        if (batch.length) {
          const events = batch;
          batch = [];
          send(sessionId, events);
        }
      };
      stopRecording = window.rrweb.record({
        emit(event) {
          batch.push(event);
          // A snapshot goes at once; small changes are batched for a few ms.
          if (event.type === 2) flush();
          else if (!timer) timer = setTimeout(flush, 15);
        },
        maskAllInputs: true,
        maskInputFn: maskInput,
        blockClass: "rr-block",
        blockSelector: BLOCK_SELECTOR,
        maskTextSelector: "[data-cobrowse-mask]",
        inlineStylesheet: true,
        recordCanvas: false,
        collectFonts: false,
        inlineImages: false,
        sampling: { mousemove: 50, scroll: 100, input: "last" },
      });
      this.recording = true;
      return true;
    },

    stop() {
      if (stopRecording) stopRecording();
      stopRecording = null;
      this.recording = false;
      this.clear();
    },

    snapshot() {
      if (this.recording) window.rrweb.record.takeFullSnapshot(true);
    },

    pointer(x, y, who) {
      const l = overlayLayer();
      let p = l.querySelector(".cobrowse-pointer");
      if (!p) {
        p = document.createElement("div");
        p.className = "cobrowse-pointer";
        l.appendChild(p);
      }
      p.textContent = who || "Agent";
      p.style.left = x + "px";
      p.style.top = y + "px";
      clearTimeout(p._hide);
      p.hidden = false;
      p._hide = setTimeout(() => (p.hidden = true), 4000);
    },

    // Outline the element the agent picked in their view (same rrweb node id on both sides).
    highlight(nodeId, label) {
      const el = this.available ? window.rrweb.record.mirror.getNode(nodeId) : null;
      if (!el || el.nodeType !== 1) return false;
      const l = overlayLayer();
      let box = l.querySelector(".cobrowse-highlight");
      if (!box) {
        box = document.createElement("div");
        box.className = "cobrowse-highlight";
        l.appendChild(box);
      }
      const r = el.getBoundingClientRect();
      box.style.left = r.left + window.scrollX - 4 + "px";
      box.style.top = r.top + window.scrollY - 4 + "px";
      box.style.width = r.width + 8 + "px";
      box.style.height = r.height + 8 + "px";
      box.dataset.label = label || "Your agent points here";
      box.hidden = false;
      if (r.top < 0 || r.bottom > window.innerHeight) el.scrollIntoView({ block: "center", behavior: "smooth" });
      this.highlighted = el;
      document.dispatchEvent(new CustomEvent("cobrowse:highlight", { detail: { element: el } }));
      return true;
    },

    clear() {
      if (layer) layer.replaceChildren();
      this.highlighted = null;
    },
  };

  window.Cobrowse = Cobrowse;
})();
