// The demo shop's chat widget: chat with an agent from any page, and the customer's side of cobrowse
// (consent prompt, "agent is viewing" bar with pause and end, the agent's "go to page" request).
// The chat survives page changes: its conversation and token live in this tab's sessionStorage.
(function () {
  "use strict";
  const SHOP = window.SHOP || { api: "/api/v1", signedIn: false };
  const API = SHOP.api;
  const KEY = "shop-chat";
  let chat = JSON.parse(sessionStorage.getItem(KEY) || "null"); // {conversation_id, customer_token}
  let socket = null;
  let session = null; // the conversation's latest cobrowse session
  let agentName = "Your agent";
  let retry = 0;

  // --- the widget's DOM (blocked from recording: the agent has the chat on their own screen) --------
  const ui = document.createElement("div");
  ui.className = "cobrowse-ui shop-chat rr-block";
  ui.innerHTML = `
    <div class="cobrowse-bar" id="cobrowse-bar" hidden>
      <span class="cobrowse-status" id="cobrowse-status"></span>
      <span class="cobrowse-goto" id="cobrowse-goto" hidden>
        <span id="cobrowse-goto-text"></span>
        <button type="button" id="cobrowse-goto-go">Go there</button>
        <button type="button" id="cobrowse-goto-stay">Stay here</button>
      </span>
      <button type="button" id="cobrowse-pause">Pause</button>
      <button type="button" id="cobrowse-end">End sharing</button>
    </div>
    <div class="cobrowse-consent" id="cobrowse-consent" role="dialog" aria-labelledby="cobrowse-consent-title" hidden>
      <h2 id="cobrowse-consent-title">Share this page with your agent?</h2>
      <p id="cobrowse-consent-text"></p>
      <ul>
        <li>They see this browser tab while you are on this web site, nothing else on your computer.</li>
        <li>What you type is hidden from them; card details and passwords never leave your browser.</li>
        <li>You can pause or end sharing at any time.</li>
      </ul>
      <button type="button" class="primary" id="cobrowse-accept">Share this page</button>
      <button type="button" id="cobrowse-decline">No, thanks</button>
    </div>
    <button type="button" class="chat-open primary" id="chat-open">Chat with us</button>
    <section class="chat-panel" id="chat-panel" hidden aria-label="Chat">
      <header><b>Chat</b><button type="button" id="chat-close" aria-label="Close chat">×</button></header>
      <ol class="chat-log" id="chat-log" aria-live="polite"></ol>
      <p class="chat-note" id="chat-note" hidden></p>
      <form id="chat-form"><textarea id="chat-text" rows="2" placeholder="Type your message"></textarea>
      <button type="submit" class="primary" id="chat-send">Send</button></form>
    </section>`;
  document.body.appendChild(ui);
  const $ = (id) => ui.querySelector("#" + id);

  function note(text) {
    $("chat-note").textContent = text || "";
    $("chat-note").hidden = !text;
  }

  const shown = new Set();
  function addMessage(m) {
    if (m.id && shown.has(m.id)) return;
    if (m.id) shown.add(m.id);
    const li = document.createElement("li");
    li.className = "msg " + m.sender;
    li.textContent = m.sender === "agent" ? `${m.author || "Agent"}: ${m.text}` : m.text;
    if (m.sender === "agent" && m.author) agentName = m.author;
    $("chat-log").appendChild(li);
    $("chat-log").scrollTop = $("chat-log").scrollHeight;
  }

  async function call(method, path, body) {
    const r = await fetch(API + path, {
      method,
      headers: Object.assign(
        { "Content-Type": "application/json" },
        chat ? { Authorization: "Bearer " + chat.customer_token } : {}
      ),
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error((data.error && data.error.message) || "The shop could not be reached.");
    return data;
  }

  // --- chat ------------------------------------------------------------------------------------
  $("chat-open").addEventListener("click", () => {
    $("chat-panel").hidden = false;
    $("chat-open").hidden = true;
    if (!SHOP.signedIn && !chat) note("Please sign in (Account) to chat with us.");
    $("chat-text").focus();
  });
  $("chat-close").addEventListener("click", () => {
    $("chat-panel").hidden = true;
    $("chat-open").hidden = false;
  });
  $("chat-text").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      $("chat-form").requestSubmit();
    }
  });
  $("chat-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = $("chat-text").value.trim();
    if (!text) return;
    $("chat-send").disabled = true;
    try {
      if (!chat) {
        const r = await fetch("/shop/api/chat", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ text, url: location.pathname, title: document.title }),
        });
        const data = await r.json().catch(() => ({}));
        if (!r.ok) throw new Error((data.error && data.error.message) || "The chat could not start.");
        chat = { conversation_id: data.conversation_id, customer_token: data.customer_token };
        sessionStorage.setItem(KEY, JSON.stringify(chat));
        addMessage({ sender: "customer", text });
        note("Waiting for an agent…");
        connect();
      } else {
        const m = await call("POST", `/customer/chats/${chat.conversation_id}/messages`, { text });
        addMessage(m);
      }
      $("chat-text").value = "";
    } catch (err) {
      note(err.message); // the text stays in the box: nothing the customer typed is lost
    } finally {
      $("chat-send").disabled = false;
    }
  });

  // --- the live connection: chat pushes, cobrowse state, relay -----------------------------------
  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }

  function connect() {
    if (!chat) return;
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${API}/customer/chats/${chat.conversation_id}/live`;
    socket = new WebSocket(url);
    socket.onopen = () => {
      retry = 0;
      socket.send(JSON.stringify({ token: chat.customer_token }));
    };
    socket.onmessage = (e) => onFrame(JSON.parse(e.data));
    socket.onclose = (e) => {
      socket = null;
      window.Cobrowse.stop();
      if (e.code === 4401 || e.code === 4403) {
        // The chat is over or the token no longer valid: start afresh next time.
        sessionStorage.removeItem(KEY);
        chat = null;
        showSession(null);
        return;
      }
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, 250 * 2 ** retry);
    };
  }

  function onFrame(frame) {
    if (frame.agent) agentName = frame.agent;
    if (frame.kind === "hello") showSession(frame.session);
    else if (frame.kind === "session") showSession(frame.session);
    else if (frame.kind === "message") {
      addMessage(frame.message);
      note("");
    } else if (frame.kind === "snapshot") window.Cobrowse.snapshot();
    else if (frame.kind === "stop") window.Cobrowse.stop();
    else if (frame.kind === "command") onCommand(frame.command);
    else if (frame.kind === "closed") {
      note("The chat has ended. Thank you!");
      sessionStorage.removeItem(KEY);
      chat = null;
      showSession(null);
    }
  }

  function onCommand(c) {
    if (!session || session.state !== "active") return;
    if (c.type === "pointer") window.Cobrowse.pointer(c.x, c.y, agentName);
    else if (c.type === "highlight") window.Cobrowse.highlight(c.node, c.label);
    else if (c.type === "clear") window.Cobrowse.clear();
    else if (c.type === "navigate") offerPage(c.url, c.title);
  }

  function offerPage(url, title) {
    let target;
    try {
      target = new URL(url, location.href);
    } catch (err) {
      return;
    }
    if (target.origin !== location.origin) return; // same site only, checked here too
    $("cobrowse-goto-text").textContent = `${agentName} suggests: ${title || target.pathname}`;
    $("cobrowse-goto").hidden = false;
    $("cobrowse-goto").dataset.url = target.href;
  }
  $("cobrowse-goto-go").addEventListener("click", () => {
    location.href = $("cobrowse-goto").dataset.url;
  });
  $("cobrowse-goto-stay").addEventListener("click", () => {
    $("cobrowse-goto").hidden = true;
  });

  // --- consent and the "agent is viewing" bar ------------------------------------------------------
  // The same session reaches this page two ways: the live socket pushes every transition, and the
  // customer's own accept/pause/end gets the session back as the HTTP answer. The two race: the
  // answer to "accept" (state accepted) can arrive after the push saying recording has started
  // (state active). Applied in arrival order, the stale answer would win and every command of the
  // agent (pointer, highlight, go to page) would be dropped until the next transition.
  function isStale(s) {
    if (!s || !session) return false;
    if (s.id === session.id) return s.version < session.version;
    return Date.parse(s.invited_at) < Date.parse(session.invited_at); // an older session's late news
  }

  function showSession(s) {
    if (isStale(s)) return;
    session = s;
    const state = s ? s.state : null;
    $("cobrowse-consent").hidden = state !== "invited";
    if (state === "invited") {
      $("cobrowse-consent-text").textContent = `${agentName} would like to see this page to help you find your way.`;
      if (!window.Cobrowse.available) $("cobrowse-consent-text").textContent += " (Sharing is not available in this shop right now.)";
    }
    const sharing = state === "accepted" || state === "active";
    $("cobrowse-bar").hidden = !(sharing || state === "paused");
    document.body.classList.toggle("cobrowse-on", !$("cobrowse-bar").hidden);
    if (sharing) {
      $("cobrowse-status").textContent = `${agentName} is viewing this page`;
      $("cobrowse-pause").textContent = "Pause";
      window.Cobrowse.start(s.id, (id, events) => send({ kind: "events", session_id: id, events }));
    } else {
      window.Cobrowse.stop();
      $("cobrowse-goto").hidden = true;
      if (state === "paused") {
        $("cobrowse-status").textContent = "Sharing paused: your agent sees nothing";
        $("cobrowse-pause").textContent = "Resume";
      }
    }
  }

  async function act(action) {
    if (!session || !chat) return;
    try {
      showSession(await call("POST", `/customer/chats/${chat.conversation_id}/cobrowse/${session.id}/${action}`));
    } catch (err) {
      note(err.message);
    }
  }
  $("cobrowse-accept").addEventListener("click", () => act("accept"));
  $("cobrowse-decline").addEventListener("click", () => act("decline"));
  $("cobrowse-end").addEventListener("click", () => act("end"));
  $("cobrowse-pause").addEventListener("click", () => act(session && session.state === "paused" ? "resume" : "pause"));

  // --- a page of an ongoing chat: show the transcript, reconnect ---------------------------------
  if (chat) {
    $("chat-panel").hidden = false;
    $("chat-open").hidden = true;
    call("GET", `/customer/chats/${chat.conversation_id}/messages`)
      .then((messages) => messages.forEach(addMessage))
      .catch((err) => note(err.message));
    connect();
  }
  window.ShopChat = { state: () => ({ chat, session, recording: window.Cobrowse.recording }) };
})();
