// The agent's live view: replays the customer's rrweb events as they arrive (rrweb Replayer in
// live mode), scaled to fit, and turns the agent's pointer and clicks into commands for Python.
(function () {
  "use strict";
  const stage = document.getElementById("stage");
  const overlay = document.getElementById("overlay");
  const waiting = document.getElementById("waiting");
  let bridge = null;
  let replayer = null;
  let size = { width: 1024, height: 768 };
  let scale = 1;
  let mode = "none";
  let added = 0;
  let lastMeta = null;
  let lastPointer = 0;
  const RECREATE_AFTER = 5000; // events kept by one Replayer before it is rebuilt at a snapshot

  const STYLE_RULES = [
    // What the customer's page blocked (card details, passwords, their chat window) stays hidden.
    ".rr-block { background: repeating-linear-gradient(45deg, #eceff3 0 8px, #f7f8fa 8px 16px) !important;" +
      " outline: 1px dashed #9aa5b8; }",
    ".rr-block::after { content: 'Hidden on the customer\\'s device'; display: block; padding: 8px;" +
      " font: 12px system-ui, sans-serif; color: #5b6472; }",
    ".cobrowse-ui, .cobrowse-layer { display: none !important; }",
  ];

  function make() {
    if (replayer) replayer.destroy();
    stage.replaceChildren();
    replayer = new rrweb.Replayer([], {
      root: stage,
      liveMode: true,
      mouseTail: false,
      showWarning: false,
      triggerFocus: false,
      insertStyleRules: STYLE_RULES,
    });
    replayer.on("resize", (d) => {
      size = { width: d.width, height: d.height };
      fit();
    });
    // Live from now on. Events are re-stamped on arrival (below), so the customer's clock does not
    // matter; events stamped before the baseline would only reach rrweb's virtual DOM.
    replayer.startLive(Date.now());
    added = 0;
  }

  function fit() {
    const w = window.innerWidth;
    const h = window.innerHeight;
    scale = Math.min(w / size.width, h / size.height, 1.5);
    const left = Math.max(0, (w - size.width * scale) / 2);
    stage.style.transform = `translate(${left}px, 0) scale(${scale})`;
    stage.style.width = size.width + "px";
    stage.style.height = size.height + "px";
    overlay.style.left = left + "px";
    overlay.style.width = size.width * scale + "px";
    overlay.style.height = size.height * scale + "px";
    drawMarks();
  }
  window.addEventListener("resize", fit);

  function frameDoc() {
    return replayer && replayer.iframe ? replayer.iframe.contentDocument : null;
  }

  // --- marks: what the agent highlighted, drawn over the replay -----------------------------------
  let marked = null;
  function drawMarks() {
    overlay.querySelectorAll(".mark").forEach((m) => m.remove());
    if (!marked || !marked.isConnected) return;
    const r = marked.getBoundingClientRect();
    const m = document.createElement("div");
    m.className = "mark";
    m.style.left = r.left * scale - 3 + "px";
    m.style.top = r.top * scale - 3 + "px";
    m.style.width = r.width * scale + 6 + "px";
    m.style.height = r.height * scale + 6 + "px";
    overlay.appendChild(m);
  }

  function describe(el) {
    const text = (el.getAttribute("aria-label") || el.textContent || el.getAttribute("placeholder") || "")
      .replace(/\s+/g, " ")
      .trim();
    return text ? text.slice(0, 80) : el.tagName.toLowerCase();
  }

  function pick(ev) {
    const doc = frameDoc();
    if (!doc) return;
    let el = doc.elementFromPoint(ev.offsetX / scale, ev.offsetY / scale);
    while (el && ["HTML", "BODY"].includes(el.tagName)) el = null;
    if (!el) return;
    // Prefer the control or link the agent means, not the text inside it.
    const target = el.closest("button, a, input, select, textarea, label, h1, h2, h3, [role=button]") || el;
    const id = replayer.getMirror().getId(target);
    if (id < 0) return;
    marked = target;
    drawMarks();
    if (bridge) bridge.pick(id, describe(target));
  }

  overlay.addEventListener("mousemove", (ev) => {
    if (mode !== "pointer" || !bridge) return;
    const now = Date.now();
    if (now - lastPointer < 50) return;
    lastPointer = now;
    const win = replayer && replayer.iframe ? replayer.iframe.contentWindow : null;
    const x = ev.offsetX / scale + (win ? win.scrollX : 0);
    const y = ev.offsetY / scale + (win ? win.scrollY : 0);
    bridge.pointer(x, y);
  });
  overlay.addEventListener("click", (ev) => {
    if (mode === "highlight") pick(ev);
  });

  // --- called from Python ------------------------------------------------------------------------
  window.cobrowse = {
    add(events) {
      for (const e of events) {
        if (e.type === 4) lastMeta = e;
        if (e.type === 2) {
          if (added > RECREATE_AFTER || !replayer) {
            make();
            if (lastMeta && lastMeta !== e) {
              lastMeta.timestamp = Date.now();
              replayer.addEvent(lastMeta);
            }
          }
          waiting.hidden = true;
          marked = null;
          drawMarks();
        }
        if (!replayer) make();
        e.timestamp = Date.now();
        replayer.addEvent(e);
        added += 1;
      }
      if (marked) setTimeout(drawMarks, 0);
    },
    reset() {
      waiting.hidden = false;
      marked = null;
      make();
      fit();
    },
    setMode(m) {
      mode = m;
      overlay.className = m;
    },
    clearMarks() {
      marked = null;
      drawMarks();
    },
    // What the agent's view contains, as text (for checks that nothing masked is shown).
    contents() {
      const doc = frameDoc();
      if (!doc || !doc.documentElement) return "";
      const values = Array.from(doc.querySelectorAll("input, textarea, select")).map((i) => i.value);
      return doc.documentElement.outerHTML + "\n" + values.join("\n");
    },
    find(selector) {
      const doc = frameDoc();
      const el = doc ? doc.querySelector(selector) : null;
      if (!el) return null;
      const r = el.getBoundingClientRect();
      return { x: r.left + r.width / 2, y: r.top + r.height / 2, scale, left: parseFloat(overlay.style.left) || 0 };
    },
    pickAt(x, y) {
      pick({ offsetX: x * scale, offsetY: y * scale });
    },
    scale() {
      return scale;
    },
  };

  make();
  fit();
  new QWebChannel(qt.webChannelTransport, (channel) => {
    bridge = channel.objects.bridge;
    bridge.ready();
  });
})();
