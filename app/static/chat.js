// Plain chat page for /api/chat. Everything shown is set with textContent, never as HTML.
(function () {
  "use strict";
  const KEY = "dvc-chat-sender";
  let sender = localStorage.getItem(KEY);
  if (!sender) {
    sender = "web:" + (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2));
    localStorage.setItem(KEY, sender);
  }
  const log = document.getElementById("log");
  const form = document.getElementById("form");
  const input = document.getElementById("text");
  const URL_RE = /(https?:\/\/[^\s)]+)/g;

  function appendText(parent, text) {
    // Recognise links; every piece goes in as a text node.
    text.split(URL_RE).forEach(function (part, i) {
      if (i % 2 === 1) {
        const a = document.createElement("a");
        a.href = part; a.textContent = part; a.target = "_blank"; a.rel = "noopener noreferrer";
        parent.appendChild(a);
      } else if (part) {
        parent.appendChild(document.createTextNode(part));
      }
    });
  }

  function show(who, text) {
    const div = document.createElement("div");
    div.className = "msg " + who;
    appendText(div, text);
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
    return div;
  }

  function showReply(message) {
    if (message.text) show("bot", message.text);
    (message.links || []).forEach(function (link) {
      const div = show("bot", "");
      const a = document.createElement("a");
      a.href = link.url; a.textContent = link.title; a.target = "_blank"; a.rel = "noopener noreferrer";
      div.appendChild(a);
    });
    if (message.buttons && message.buttons.length) {
      const row = document.createElement("div");
      row.className = "buttons";
      message.buttons.forEach(function (b) {
        const btn = document.createElement("button");
        btn.type = "button"; btn.textContent = b.title;
        btn.addEventListener("click", function () { send(b.payload, b.title); });
        row.appendChild(btn);
      });
      log.appendChild(row);
    }
  }

  async function send(text, label) {
    show("user", label || text);
    try {
      const res = await fetch("/api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender: sender, text: text }),
      });
      const data = await res.json();
      if (!res.ok) { show("bot", data.detail || "Có lỗi xảy ra, anh/chị vui lòng thử lại."); return; }
      data.messages.forEach(showReply);
    } catch (e) {
      show("bot", "Không kết nối được tới máy chủ. Anh/chị vui lòng kiểm tra mạng và thử lại.");
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });
})();
