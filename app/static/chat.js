// Plain chat page for /api/chat. Everything shown is set with textContent, never as HTML.
// The conversation id is issued by the server (POST /api/session) and kept in localStorage with
// the privacy notice and its time of last use; an id unused for the server's idle_hours is
// dropped, and one the server refuses (401) is replaced and the message sent again once.
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
  };

  const log = document.getElementById("log");
  const form = document.getElementById("form");
  const input = document.getElementById("text");
  let record = null;
  let queue = Promise.resolve();

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
  function forget() { record = null; store.remove(); }

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
    if (!messages.length) show("bot", TEXT.noReply);
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
    result.data.messages.forEach(function (entry) {
      if (entry.role === "user") show("user", entry.text || "");
      else showReply(entry);
    });
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
