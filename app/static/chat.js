// Plain chat page for /api/chat. Everything shown is set with textContent, never as HTML.
// The conversation id is issued by the server (POST /api/session) and kept in localStorage with
// the privacy notice and its time of last use; an id unused for the server's idle_hours is
// dropped, and one the server refuses (401) is replaced and the message sent again once.
// The handoff's state (a bar above the log) comes with every answer of /api/chat and, on load,
// from the first GET /api/updates; only while a handoff is open (waiting, held, kept) does the
// page long-poll GET /api/updates for what comes without a request (an agent's messages, the bot
// after a hand-back), until the state comes back null.
(function () {
  "use strict";
  const KEY = "dvc-chat-session"; // {sender, notice, idleHours, usedAt}
  const OLD_KEY = "dvc-chat-sender"; // ids the browser made up before the server issued them
  const SENDER_RE = /^web:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  const URL_RE = /(https?:\/\/[^\s)]+)/g;
  const TEXT = {
    failed: "Có lỗi xảy ra, anh/chị vui lòng thử lại.",
    offline: "Không kết nối được tới máy chủ. Anh/chị vui lòng kiểm tra mạng và thử lại.",
    expired: "Cuộc trò chuyện trước đã hết hạn. Đã bắt đầu cuộc trò chuyện mới.",
    historyFailed: "Chưa tải được cuộc trò chuyện trước đó. Anh/chị vẫn có thể nhắn tiếp.",
    noReply: "Trợ lý chưa có câu trả lời cho tin nhắn này. Anh/chị thử hỏi theo cách khác nhé.",
    agent: "Cán bộ hỗ trợ",
    waiting: "Anh/chị đang chờ cán bộ hỗ trợ.",
    waitingAt: "Anh/chị đang chờ cán bộ hỗ trợ: vị trí số {n} trong hàng chờ.",
    waitingNext: "Anh/chị đang chờ cán bộ hỗ trợ: anh/chị là người tiếp theo.",
    held: "Cán bộ hỗ trợ đang trò chuyện với anh/chị. Tin nhắn của anh/chị được chuyển tới cán bộ.",
    kept: "Câu hỏi của anh/chị đã được giữ lại. Cán bộ sẽ trả lời ngay trong cuộc trò chuyện này.",
    cancel: "Hủy yêu cầu gặp cán bộ",
  };
  const CANCEL_PAYLOAD = "/handoff_cancel"; // the cancel button's payload in the bot's queue reply
  const POLL_RETRY_MS = [2000, 5000, 15000, 30000, 60000];

  const log = document.getElementById("log");
  const form = document.getElementById("form");
  const input = document.getElementById("text");
  let record = null;
  let queue = Promise.resolve();
  let polling = null; // {sender, stop} of the long poll under way (a handoff is open)
  let pastTail = null; // replies ending the history: not shown twice by the first poll

  // The handoff's state, above the conversation (built here: the page has no place for it).
  const bar = document.createElement("div");
  bar.className = "handoff";
  bar.hidden = true;
  const barText = document.createElement("p");
  const cancel = document.createElement("button");
  cancel.type = "button";
  cancel.textContent = TEXT.cancel;
  cancel.hidden = true;
  cancel.addEventListener("click", function () { send(CANCEL_PAYLOAD, TEXT.cancel); });
  bar.append(barText, cancel);
  log.parentNode.insertBefore(bar, log);

  const store = {
    get() { try { return localStorage.getItem(KEY); } catch (e) { return null; } },
    set(value) { try { localStorage.setItem(KEY, value); } catch (e) { /* blocked: keep in memory */ } },
    remove(key) { try { localStorage.removeItem(key || KEY); } catch (e) { /* blocked */ } },
  };

  function stored() {
    let data = null;
    try { data = JSON.parse(store.get() || "null"); } catch (e) { data = null; }
    if (!data || typeof data.sender !== "string" || !SENDER_RE.test(data.sender) || typeof data.usedAt !== "number") {
      return null;
    }
    const hours = data.idleHours > 0 ? data.idleHours : 24;
    return Date.now() - data.usedAt <= hours * 3600 * 1000 ? data : null;
  }

  function save() { if (record) store.set(JSON.stringify(record)); }
  function used() { if (record) { record.usedAt = Date.now(); save(); } }
  function forget() { stopPolling(); record = null; store.remove(); }

  function safeUrl(value) {
    try {
      const url = new URL(String(value), location.href);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function appendText(parent, text) {
    // Recognise links; every piece goes in as a text node.
    String(text).split(URL_RE).forEach(function (part, i) {
      if (i % 2 === 1 && safeUrl(part)) {
        const a = document.createElement("a");
        a.href = safeUrl(part); a.textContent = part; a.target = "_blank"; a.rel = "noopener noreferrer";
        parent.appendChild(a);
      } else if (part) {
        parent.appendChild(document.createTextNode(part));
      }
    });
  }

  function place(node, before) {
    if (before && before.parentNode === log) log.insertBefore(node, before);
    else log.appendChild(node);
    log.scrollTop = log.scrollHeight;
    return node;
  }

  function show(who, text) {
    const div = document.createElement("div");
    div.className = "msg " + who;
    appendText(div, text);
    return place(div);
  }

  // The privacy notice: a note at the top of the conversation, not a message of the bot.
  function showNotice(text, before) {
    if (!text) return;
    const p = document.createElement("p");
    p.className = "notice";
    p.setAttribute("role", "note");
    p.textContent = text;
    place(p, before);
  }

  function showInfo(text, before) {
    const p = document.createElement("p");
    p.className = "info";
    p.textContent = text;
    place(p, before);
  }

  function showAgent(message) {
    const div = document.createElement("div");
    div.className = "msg agent";
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = TEXT.agent + ": ";
    div.appendChild(who);
    appendText(div, message.text || "");
    return place(div);
  }

  function showHandoff(handoff) {
    const status = handoff && typeof handoff.status === "string" ? handoff.status : null;
    const position = handoff && typeof handoff.position === "number" ? handoff.position : null;
    let text = "";
    if (status === "waiting") {
      text = position === 1 ? TEXT.waitingNext : position > 1 ? TEXT.waitingAt.replace("{n}", position) : TEXT.waiting;
    } else if (status === "held") {
      text = TEXT.held;
    } else if (status === "kept") {
      text = TEXT.kept;
    }
    bar.className = "handoff" + (text ? " " + status : "");
    bar.hidden = !text;
    barText.textContent = text;
    cancel.hidden = !(status === "waiting" || status === "kept");
    return text ? status : null;
  }

  function replyKey(entry) {
    return (entry.role === "agent" ? "agent" : "bot") + "\n" + String(entry.text || "");
  }

  function showUpdates(messages) {
    let list = (Array.isArray(messages) ? messages : []).filter(function (m) { return m && typeof m === "object"; });
    const tail = pastTail;
    pastTail = null;
    if (tail && tail.length) {
      for (let k = Math.min(tail.length, list.length); k > 0; k--) {
        const head = list.slice(0, k).map(replyKey);
        if (tail.slice(tail.length - k).every(function (key, j) { return key === head[j]; })) {
          list = list.slice(k);
          break;
        }
      }
    }
    list.forEach(function (message) {
      if (message.role === "agent") showAgent(message);
      else showReply(message);
    });
  }

  function updates(sender, cursor, signal) {
    const url = "/api/updates?sender=" + encodeURIComponent(sender) + (cursor == null ? "" : "&after=" + cursor);
    return call(url, { method: "GET", signal: signal }).catch(function () { return null; });
  }

  // The handoff's state as the server said it: the bar, and the long poll while one is open
  // (from ``cursor``, or from now when null).
  function follow(handoff, cursor) {
    const open = showHandoff(handoff);
    if (open) poll(cursor);
    else stopPolling();
    return open;
  }

  function stopPolling() {
    const current = polling;
    polling = null;
    if (current && current.stop) current.stop.abort();
  }

  // Long-poll the updates of the current id while a handoff is open; it stops when the state
  // comes back null, the id changes or the server no longer knows it.
  async function poll(cursor) {
    const sender = record && record.sender;
    if (!sender || (polling && polling.sender === sender)) return;
    stopPolling();
    if (cursor == null) pastTail = null; // from now on: the history's tail is not in question
    const current = { sender: sender, stop: typeof AbortController === "function" ? new AbortController() : null };
    polling = current;
    const alive = function () { return polling === current && record && record.sender === sender; };
    let failures = 0;
    while (alive()) {
      const result = await updates(sender, cursor, current.stop ? current.stop.signal : undefined);
      if (!alive()) return;
      if (result && [401, 403, 404, 422].indexOf(result.status) >= 0) break;
      if (!result || !result.ok || !result.data || typeof result.data.cursor !== "number") {
        await new Promise(function (resolve) { setTimeout(resolve, POLL_RETRY_MS[Math.min(failures, 4)]); });
        failures += 1;
        continue;
      }
      failures = 0;
      if (cursor != null) showUpdates(result.data.messages);
      cursor = result.data.cursor;
      if (!showHandoff(result.data.handoff)) break; // handed back, closed or cancelled
    }
    if (polling === current) polling = null;
  }

  function showReply(message) {
    if (message.text) show("bot", message.text);
    (message.links || []).forEach(function (link) {
      const url = safeUrl(link && link.url);
      if (!url) return;
      const div = show("bot", "");
      const a = document.createElement("a");
      a.href = url; a.textContent = String(link.title || url); a.target = "_blank"; a.rel = "noopener noreferrer";
      div.appendChild(a);
    });
    const buttons = (message.buttons || []).filter(function (b) { return b && b.title && b.payload; });
    if (buttons.length) {
      const row = document.createElement("div");
      row.className = "buttons";
      buttons.forEach(function (b) {
        const btn = document.createElement("button");
        btn.type = "button"; btn.textContent = String(b.title);
        btn.addEventListener("click", function () { send(String(b.payload), String(b.title)); });
        row.appendChild(btn);
      });
      place(row);
    }
  }

  async function call(url, options) {
    const response = await fetch(url, Object.assign({ credentials: "same-origin" }, options));
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    return { ok: response.ok, status: response.status, data: data };
  }

  function detail(data) {
    return data && typeof data.detail === "string" && data.detail ? data.detail : TEXT.failed;
  }

  // POST /api/session: a new id, and its notice before ``before`` (or at the end).
  async function issue(before) {
    let result = null;
    try {
      result = await call("/api/session", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ kiosk: false }),
      });
    } catch (e) {
      result = null;
    }
    const data = result && result.ok ? result.data : null;
    if (!data || typeof data.sender !== "string" || !SENDER_RE.test(data.sender)) {
      show("bot", result ? detail(result.data) : TEXT.offline);
      return false;
    }
    const hours = Number(data.idle_hours);
    record = {
      sender: data.sender,
      notice: typeof data.notice === "string" ? data.notice : "",
      idleHours: hours > 0 ? hours : 24,
      usedAt: Date.now(),
    };
    save();
    showNotice(record.notice, before);
    return true;
  }

  async function post(text, shown, renewed) {
    if (!record && !(await issue(shown))) return;
    let result = null;
    try {
      result = await call("/api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender: record.sender, text: text }),
      });
    } catch (e) {
      result = null;
    }
    if (result && result.status === 401 && !renewed) {
      forget();
      showInfo(TEXT.expired, shown);
      return post(text, shown, true);
    }
    if (!result) { show("bot", TEXT.offline); return; }
    if (!result.ok) { show("bot", detail(result.data)); return; }
    const messages = result.data && Array.isArray(result.data.messages) ? result.data.messages : [];
    if (result.data && result.data.ended === true) {
      // Erased on the server: only the confirmation stays; the next message gets a new id.
      forget();
      log.textContent = "";
    } else {
      used();
    }
    const handoff = record && result.data ? result.data.handoff : null;
    // A person answers while a handoff is open: the bot stays silent.
    if (!follow(handoff, null) && !messages.length) show("bot", TEXT.noReply);
    messages.forEach(showReply);
  }

  function send(text, label) {
    const shown = show("user", label || text);
    queue = queue.then(function () { return post(text, shown, false); }).catch(function () { /* shown */ });
  }

  // The stored conversation (its notice and past messages), or a new one with its notice.
  async function start() {
    store.remove(OLD_KEY);
    record = stored();
    if (!record) {
      forget();
      await issue(null);
      return;
    }
    showNotice(record.notice);
    // Where the updates and the handoff stand before the history is read: nothing is lost between.
    const first = await updates(record.sender, null);
    const cursor = first && first.ok && first.data && typeof first.data.cursor === "number" ? first.data.cursor : null;
    const state = cursor != null ? first.data.handoff : null;
    let result = null;
    try {
      result = await call("/api/history?sender=" + encodeURIComponent(record.sender), { method: "GET" });
    } catch (e) {
      result = null;
    }
    if (result && (result.status === 401 || result.status === 403)) {
      forget();
      log.textContent = "";
      showInfo(TEXT.expired);
      await issue(null);
      return;
    }
    if (!result || !result.ok || !result.data || !Array.isArray(result.data.messages)) {
      show("bot", TEXT.historyFailed);
      return;
    }
    used();
    const past = result.data.messages;
    past.forEach(function (entry) {
      if (entry.role === "user") show("user", entry.text || "");
      else if (entry.role === "agent") showAgent(entry);
      else showReply(entry);
    });
    pastTail = [];
    for (let i = past.length - 1; i >= 0 && past[i].role !== "user"; i--) pastTail.unshift(replyKey(past[i]));
    follow(state, cursor);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });
  queue = start().catch(function () { show("bot", TEXT.failed); });
})();
