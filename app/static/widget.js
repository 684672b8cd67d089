// Embeddable chat widget of Trợ lý Dịch vụ công. One tag on any page:
//   <script src="https://HOST/widget.js" data-title="Trợ lý Dịch vụ công" async></script>
// Plain JavaScript (no build step, nothing from another site). The widget is a custom element
// whose shadow root holds its markup and styles, so the page's CSS and ours never meet. The API
// is found next to this script (HOST/api/session, HOST/api/chat, HOST/api/history,
// HOST/api/updates). Everything a
// person or the bot wrote is inserted with textContent or built with DOM APIs; nothing is ever
// parsed as HTML.
//
// Attributes of the script tag:
//   data-title="…"          the name in the panel's header (default "Trợ lý Dịch vụ công").
//   data-kiosk              a shared screen (e.g. the kiosk at the centre); any value but "false"
//                           turns it on. The conversation id is kept in sessionStorage (not
//                           localStorage), sessions are created with {"kiosk": true}, and after
//                           a while with no typing, click or key press in the widget the id is
//                           ended on the server, the messages and the stored id are cleared and
//                           the panel closes, so the next person sees nothing of the previous one.
//   data-kiosk-idle="180"   with data-kiosk: seconds without activity before that reset
//                           (default 180, i.e. 3 minutes).
//
// The conversation id (web:<uuid>) is always issued by the server (POST /api/session), kept with
// the privacy notice and its time of last use, and dropped once unused for the server's
// idle_hours; an id the server refuses (401) is replaced by a new one and the message re-sent.
//
// Handoff to a person: every answer of POST /api/chat carries the handoff's state ("handoff":
// {status, position} or null), and on opening the first GET /api/updates (without "after") tells
// it. Only while a handoff is open (waiting, held, or kept for when staff are back) does the
// widget long-poll GET /api/updates?sender=…&after=<cursor> for what arrives without a request of
// its own — an agent's messages (shown as "Cán bộ hỗ trợ"), the bot's next step after the agent
// hands back — and the state; the poll stops once the state comes back null (after the messages
// that came with it were shown). A bar over the conversation says the place in the queue (with
// "Hủy yêu cầu gặp cán bộ"), that an agent is answering, or that the question was kept for later.
(function () {
  "use strict";

  var TAG = "dvc-chat-widget";
  if (!window.customElements || !Element.prototype.attachShadow || customElements.get(TAG)) return;

  var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  var SCRIPT_SRC = script && script.src ? script.src : location.href;
  var API_SESSION = new URL("api/session", SCRIPT_SRC).href;
  var API_END = new URL("api/session/end", SCRIPT_SRC).href;
  var API_CHAT = new URL("api/chat", SCRIPT_SRC).href;
  var API_HISTORY = new URL("api/history", SCRIPT_SRC).href;
  var API_UPDATES = new URL("api/updates", SCRIPT_SRC).href;
  var TITLE = (script && script.getAttribute("data-title")) || "Trợ lý Dịch vụ công";
  var KIOSK = !!script && script.hasAttribute("data-kiosk") &&
    String(script.getAttribute("data-kiosk")).trim().toLowerCase() !== "false";
  var KIOSK_IDLE_S = parseFloat(script ? script.getAttribute("data-kiosk-idle") : "");
  var KIOSK_IDLE_MS = (isFinite(KIOSK_IDLE_S) && KIOSK_IDLE_S > 0 ? KIOSK_IDLE_S : 180) * 1000;

  var KEY_SESSION = "dvc-widget-session"; // {sender, notice, idleHours, usedAt, activeAt}
  var KEY_OLD_SENDER = "dvc-widget-sender"; // ids the browser made up before the server issued them
  var KEY_LARGE = "dvc-widget-large-text";
  var KEY_OPEN = "dvc-widget-open"; // sessionStorage: reopen after navigating within the portal
  var SENDER_RE = /^web:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  var URL_RE = /https?:\/\/[^\s<>"'`]+/g;
  var TRAILING = /[.,;:!?)\]}»”’]+$/;
  var TIMEOUT_MS = 45000;
  var DEFAULT_IDLE_HOURS = 24;
  var POLL_RETRY_MS = [2000, 5000, 15000, 30000, 60000]; // after failed long polls, one after another
  var CANCEL_PAYLOAD = "/handoff_cancel"; // the cancel button's payload in the bot's queue reply

  var TEXT = {
    launcher: "Hỏi trợ lý",
    close: "Đóng khung trò chuyện",
    largeText: "Chữ lớn",
    restart: "Bắt đầu lại",
    erase: "Xóa cuộc trò chuyện",
    eraseQuestion: "Anh/chị muốn xóa toàn bộ cuộc trò chuyện này trên máy chủ của Trung tâm? " +
      "Sau khi xóa, trợ lý không còn nhớ thủ tục hay bước anh/chị đang làm.",
    eraseYes: "Xóa hết",
    eraseNo: "Không xóa",
    erasing: "Đang xóa cuộc trò chuyện…",
    erased: "Đã xóa toàn bộ cuộc trò chuyện trước trên máy chủ của Trung tâm.",
    eraseFailed: "Chưa xóa được cuộc trò chuyện. Anh/chị vui lòng thử lại sau ít phút.",
    expired: "Cuộc trò chuyện trước đã hết hạn. Đã bắt đầu cuộc trò chuyện mới.",
    inputLabel: "Tin nhắn gửi trợ lý",
    placeholder: "Nhập câu hỏi của anh/chị…",
    send: "Gửi",
    log: "Cuộc trò chuyện",
    you: "Anh/chị: ",
    bot: "Trợ lý: ",
    typing: "Trợ lý đang trả lời…",
    loading: "Đang tải cuộc trò chuyện…",
    choices: "Lựa chọn",
    newTab: " (mở trong thẻ mới)",
    speak: "Đọc to",
    speakLabel: "Đọc to tin nhắn này",
    stop: "Dừng đọc",
    image: "Hình ảnh minh hoạ",
    restarted: "Đã bắt đầu cuộc trò chuyện mới.",
    restored: "Đã mở lại cuộc trò chuyện trước.",
    noReply: "Trợ lý chưa có câu trả lời cho tin nhắn này. Anh/chị thử hỏi theo cách khác nhé.",
    failed: "Có lỗi xảy ra, anh/chị vui lòng thử lại.",
    offline: "Không kết nối được tới máy chủ. Anh/chị vui lòng kiểm tra mạng và thử lại.",
    historyFailed: "Chưa tải được cuộc trò chuyện trước đó. Anh/chị vẫn có thể nhắn tiếp.",
    agent: "Cán bộ hỗ trợ",
    agentSays: "Cán bộ hỗ trợ: ",
    waiting: "Anh/chị đang chờ cán bộ hỗ trợ.",
    waitingAt: "Anh/chị đang chờ cán bộ hỗ trợ: vị trí số {n} trong hàng chờ.",
    waitingNext: "Anh/chị đang chờ cán bộ hỗ trợ: anh/chị là người tiếp theo.",
    held: "Cán bộ hỗ trợ đang trò chuyện với anh/chị. Tin nhắn của anh/chị được chuyển tới cán bộ.",
    kept: "Câu hỏi của anh/chị đã được giữ lại. Cán bộ sẽ trả lời ngay trong cuộc trò chuyện này.",
    cancel: "Hủy yêu cầu gặp cán bộ",
    handoffOver: "Cuộc hỗ trợ của cán bộ đã kết thúc.",
  };

  var CSS = [
    ":host{all:initial!important;display:block!important}",
    "*,*::before,*::after{box-sizing:border-box}",
    "[hidden]{display:none!important}",
    ".root{font-family:system-ui,'Segoe UI',Roboto,'Helvetica Neue',Arial,'Noto Sans',sans-serif;",
    "font-size:16px;line-height:1.5;color:#1b1f23;letter-spacing:normal;text-align:left}",
    ".root.large{font-size:20px}",
    "button,textarea{font:inherit;color:inherit;letter-spacing:normal;text-transform:none}",
    "button{cursor:pointer;min-height:44px;margin:0}",
    ":focus-visible{outline:3px solid #ffbf47;outline-offset:0;box-shadow:0 0 0 6px #1b1f23}",
    ".sr-only{position:absolute!important;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;",
    "clip:rect(0 0 0 0);white-space:nowrap;border:0}",
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;display:flex;align-items:center;",
    "gap:.5em;padding:.6em 1.1em;border:2px solid #fff;border-radius:999px;background:#0b5cad;color:#fff;",
    "font-weight:600;box-shadow:0 4px 14px rgba(0,0,0,.3)}",
    ".launcher:hover{background:#084a8c}",
    ".launcher svg{width:1.4em;height:1.4em;fill:currentColor;flex:none}",
    ".panel{position:fixed;right:20px;bottom:88px;z-index:2147483001;display:flex;flex-direction:column;",
    "width:390px;max-width:calc(100vw - 40px);height:min(640px,calc(100vh - 110px));background:#fff;",
    "border:1px solid #6b7785;border-radius:12px;box-shadow:0 10px 30px rgba(0,0,0,.3);overflow:hidden}",
    ".root.large .panel{width:460px}",
    "header{background:#0b5cad;color:#fff;padding:.5em .75em;flex:none}",
    ".head{display:flex;align-items:center;gap:.5em}",
    "h2{flex:1;margin:0;font-size:1.1em;font-weight:700;line-height:1.3;color:#fff}",
    ".close{width:44px;background:transparent;border:0;color:#fff;font-size:1.6em;line-height:1;",
    "border-radius:6px}",
    ".tools{display:flex;flex-wrap:wrap;gap:.4em;margin-top:.35em}",
    ".tool{min-height:36px;padding:.2em .65em;border:1.5px solid #fff;border-radius:999px;",
    "background:transparent;color:#fff;font-size:.9em}",
    ".tool[aria-pressed=true]{background:#fff;color:#0b5cad;font-weight:700}",
    ".confirm{flex:none;padding:.6em .75em;background:#fdecea;color:#5f1410;border-bottom:1px solid #d9a29c}",
    ".confirm p{margin:0 0 .5em;font-size:.95em}",
    ".actions{display:flex;flex-wrap:wrap;gap:.5em}",
    ".danger{padding:0 1.1em;border:0;border-radius:8px;background:#a4161a;color:#fff;font-weight:600}",
    ".danger:hover{background:#7f1114}",
    ".plain{padding:0 1.1em;border:1.5px solid #5a6472;border-radius:8px;background:#fff;color:#1b1f23}",
    ".notice{margin:0 0 .75em;padding:.55em .75em;background:#fff4d6;color:#3d2e00;font-size:.9em;",
    "border:1px solid #c9a227;border-left:4px solid #8a6d00;border-radius:6px;white-space:normal}",
    ".info{margin:.6em 0;padding:.3em .5em;border-top:1px solid #c4cbd3;border-bottom:1px solid #c4cbd3;",
    "color:#3d4650;font-size:.9em;text-align:center}",
    ".log{position:relative;flex:1;overflow-y:auto;padding:.75em;background:#fff;overscroll-behavior:contain}",
    ".msg{margin:.5em 0;display:flex;flex-direction:column;align-items:flex-start}",
    ".msg.user{align-items:flex-end}",
    ".bubble{max-width:88%;padding:.5em .8em;border-radius:12px;white-space:pre-wrap;overflow-wrap:anywhere;",
    "background:#eef1f5;color:#1b1f23}",
    ".user .bubble{background:#0b5cad;color:#fff}",
    ".bubble a{color:#0a4a8f;text-decoration:underline}",
    ".user .bubble a{color:#fff}",
    ".bubble ul{margin:.4em 0 0;padding-left:1.2em}",
    ".bubble img{display:block;max-width:100%;height:auto;margin-top:.4em;border-radius:6px}",
    ".error .bubble{background:#fdecea;color:#5f1410}",
    ".agent .bubble{background:#e3f1e6;color:#10321b;border-left:4px solid #1d6b35}",
    ".who{margin:0 0 .15em .2em;font-size:.8em;font-weight:700;color:#1d5c2f}",
    ".handoff{flex:none;display:flex;flex-wrap:wrap;align-items:center;gap:.4em .6em;padding:.5em .75em;",
    "background:#e8f1fb;color:#0d2c4d;border-bottom:1px solid #8fb2d9;font-size:.92em}",
    ".handoff.held{background:#e3f1e6;color:#10321b;border-bottom-color:#7bb08a}",
    ".handoff.kept{background:#fff4d6;color:#3d2e00;border-bottom-color:#c9a227}",
    ".handoff p{flex:1 1 12em;margin:0}",
    ".handoff .plain{min-height:36px;font-size:.95em}",
    ".choices{display:flex;flex-wrap:wrap;gap:.4em;margin-top:.45em;max-width:100%}",
    ".choice{padding:.35em .9em;border:1.5px solid #0b5cad;border-radius:999px;background:#fff;",
    "color:#0b5cad;text-align:left}",
    ".choice:hover{background:#e6eef8}",
    ".speak{display:none;min-height:36px;margin-top:.25em;padding:.1em .6em;border:1px solid #5a6472;",
    "border-radius:6px;background:#fff;color:#1b1f23;font-size:.85em}",
    ".root.can-speak .speak{display:inline-flex;align-items:center;gap:.3em}",
    ".speak[aria-pressed=true]{background:#1b1f23;color:#fff}",
    ".typing .bubble{display:flex;gap:.3em;align-items:center;padding:.75em .9em}",
    ".dot{width:.5em;height:.5em;border-radius:50%;background:#4a5563;animation:dvc-blink 1.2s infinite}",
    ".dot:nth-child(2){animation-delay:.2s}.dot:nth-child(3){animation-delay:.4s}",
    "@keyframes dvc-blink{0%,80%,100%{opacity:.25}40%{opacity:1}}",
    "@media (prefers-reduced-motion:reduce){.dot{animation:none;opacity:.7}}",
    "form{display:flex;gap:.5em;align-items:flex-end;padding:.6em .75em;border-top:1px solid #c4cbd3;",
    "background:#f7f9fb;flex:none}",
    "textarea{flex:1;min-width:0;min-height:44px;max-height:8em;resize:none;padding:.5em .6em;",
    "border:1.5px solid #5a6472;border-radius:8px;background:#fff;font-size:max(16px,1em)}",
    "textarea::placeholder{color:#5a6472;opacity:1}",
    ".send{padding:0 1.1em;border:0;border-radius:8px;background:#0b5cad;color:#fff;font-weight:600}",
    ".send:hover{background:#084a8c}",
    "@media (max-width:480px){",
    ".panel{inset:0;width:100%!important;max-width:none;height:100%;border:0;border-radius:0}",
    ".root.open .launcher{display:none}",
    ".launcher{right:12px;bottom:12px}",
    "}",
    "@media (forced-colors:active){.bubble,.choice,.launcher,.panel,.notice,.confirm,.handoff{border:1px solid CanvasText}}",
  ].join("\n");

  // ---- small helpers -------------------------------------------------------------------------

  function storage(kind) {
    return {
      get: function (key) {
        try { return window[kind].getItem(key); } catch (e) { return null; }
      },
      set: function (key, value) {
        try { window[kind].setItem(key, value); } catch (e) { /* storage blocked: keep in memory */ }
      },
      remove: function (key) {
        try { window[kind].removeItem(key); } catch (e) { /* storage blocked */ }
      },
    };
  }
  var local = storage("localStorage");
  var tab = storage("sessionStorage");
  // Where the conversation id (and, in kiosk mode, the large-text choice) is kept.
  var idStore = KIOSK ? tab : local;
  var prefStore = KIOSK ? tab : local;

  function now() { return Date.now(); }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (name === "text") node.textContent = value;
      else if (name === "class") node.className = value;
      else if (value === true) node.setAttribute(name, "");
      else if (value !== false && value != null) node.setAttribute(name, String(value));
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function safeUrl(value) {
    try {
      var url = new URL(String(value), location.href);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function link(url, title) {
    return el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, [
      title, el("span", { class: "sr-only", text: TEXT.newTab }),
    ]);
  }

  // Text with its http(s) addresses as links; every piece is a text node or a DOM-built <a>.
  function appendText(parent, text) {
    var last = 0;
    String(text).replace(URL_RE, function (match, offset) {
      var tail = (match.match(TRAILING) || [""])[0];
      var address = match.slice(0, match.length - tail.length);
      var url = safeUrl(address);
      parent.appendChild(document.createTextNode(String(text).slice(last, offset)));
      parent.appendChild(url ? link(url, address) : document.createTextNode(address));
      last = offset + address.length;
      return match;
    });
    parent.appendChild(document.createTextNode(String(text).slice(last)));
  }

  function launcherIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 " +
      "6v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z");
    svg.appendChild(path);
    return svg;
  }

  function vietnameseVoice() {
    if (!window.speechSynthesis || typeof window.SpeechSynthesisUtterance !== "function") return null;
    var voices = window.speechSynthesis.getVoices() || [];
    for (var i = 0; i < voices.length; i++) {
      if (/^vi([-_]|$)/i.test(voices[i].lang || "")) return voices[i];
    }
    return null;
  }

  // One call of the API; ``stop`` (an AbortSignal, optional) cancels it early.
  async function request(url, options, stop) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var abort = function () { controller.abort(); };
    var timer = controller ? setTimeout(abort, TIMEOUT_MS) : null;
    if (controller && stop) {
      if (stop.aborted) abort();
      else stop.addEventListener("abort", abort);
    }
    try {
      var response = await fetch(url, Object.assign(
        { mode: "cors", credentials: "omit", signal: controller ? controller.signal : undefined }, options));
      var data = null;
      try { data = await response.json(); } catch (e) { data = null; }
      return { ok: response.ok, status: response.status, data: data };
    } finally {
      if (timer) clearTimeout(timer);
      if (controller && stop) stop.removeEventListener("abort", abort);
    }
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, key) { return values[key] != null ? String(values[key]) : m; });
  }

  function pause(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  // What identifies a reply when the same one may come from the history and from an update.
  function replyKey(entry) {
    return (entry.role === "agent" ? "agent" : "bot") + "\n" + String(entry.text || "");
  }

  function detailOf(data) {
    return data && typeof data.detail === "string" && data.detail ? data.detail : TEXT.failed;
  }

  // ---- the element ---------------------------------------------------------------------------

  class ChatWidget extends HTMLElement {
    constructor() {
      super();
      this.attachShadow({ mode: "open" });
      this.sender = null;
      this.record = null; // what is stored with the id: {sender, notice, idleHours, usedAt, activeAt}
      this.started = false;
      this.generation = 0; // bumped when a conversation ends here: its late replies are dropped
      this.queue = Promise.resolve();
      this.voice = null;
      this.speaking = null;
      this.idleTimer = null;
      this.sayNotice = ""; // the new conversation's notice, announced with the first reply
      this.polling = null; // {sender, generation, stop} of the long poll under way (a handoff is open)
      this.handoff = null; // the handoff's status as the server last said ("waiting", "held", "kept")
      this.pastTail = null; // replies ending the history just shown: not shown twice by the first poll
    }

    connectedCallback() {
      if (this.root) return;
      local.remove(KEY_OLD_SENDER);
      this.build();
      this.setLarge(prefStore.get(KEY_LARGE) === "1");
      this.watchVoices();
      if (KIOSK) this.watchActivity();
      var wide = window.matchMedia && window.matchMedia("(min-width: 481px)").matches;
      if (tab.get(KEY_OPEN) === "1" && wide) this.open(false);
    }

    build() {
      var shadow = this.shadowRoot;
      if (shadow.adoptedStyleSheets !== undefined && typeof CSSStyleSheet === "function" &&
          "replaceSync" in CSSStyleSheet.prototype) {
        var sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
        shadow.adoptedStyleSheets = [sheet];
      } else {
        shadow.appendChild(el("style", { text: CSS }));
      }

      this.launcher = el("button", {
        class: "launcher", type: "button", "aria-expanded": "false", "aria-controls": "panel",
        "aria-label": TEXT.launcher + " – " + TITLE, title: TITLE,
      }, [launcherIcon(), el("span", { text: TEXT.launcher })]);

      this.closeButton = el("button", { class: "close", type: "button", "aria-label": TEXT.close, text: "×" });
      this.largeButton = el("button", { class: "tool", type: "button", "aria-pressed": "false", text: TEXT.largeText });
      this.restartButton = el("button", { class: "tool", type: "button", text: TEXT.restart });
      this.eraseButton = el("button", {
        class: "tool", type: "button", "aria-expanded": "false", "aria-controls": "confirm", text: TEXT.erase,
      });
      this.confirmYes = el("button", { class: "danger", type: "button", text: TEXT.eraseYes });
      this.confirmNo = el("button", { class: "plain", type: "button", text: TEXT.eraseNo });
      // The erase confirmation, inside the panel (never window.confirm).
      this.confirm = el("div", {
        class: "confirm", id: "confirm", role: "group", "aria-labelledby": "confirm-text", hidden: true,
      }, [
        el("p", { id: "confirm-text", text: TEXT.eraseQuestion }),
        el("div", { class: "actions" }, [this.confirmYes, this.confirmNo]),
      ]);
      this.handoffText = el("p", {});
      this.cancelButton = el("button", { class: "plain", type: "button", text: TEXT.cancel, hidden: true });
      // The handoff's state (queue place and cancel, an agent answering, a kept question).
      this.handoffBar = el("div", { class: "handoff", hidden: true }, [this.handoffText, this.cancelButton]);
      this.log = el("div", { class: "log", role: "log", "aria-live": "off", "aria-label": TEXT.log, tabindex: "0" });
      this.status = el("div", { class: "sr-only", role: "status", "aria-live": "polite", "aria-atomic": "true" });
      this.input = el("textarea", {
        id: "input", rows: "1", maxlength: "2000", autocomplete: "off", enterkeyhint: "send",
        placeholder: TEXT.placeholder,
      });
      this.form = el("form", { novalidate: true }, [
        el("label", { class: "sr-only", for: "input", text: TEXT.inputLabel }),
        this.input,
        el("button", { class: "send", type: "submit", text: TEXT.send }),
      ]);
      this.panel = el("section", {
        class: "panel", id: "panel", role: "dialog", "aria-modal": "false", "aria-labelledby": "title",
        hidden: true,
      }, [
        el("header", {}, [
          el("div", { class: "head" }, [el("h2", { id: "title", text: TITLE }), this.closeButton]),
          el("div", { class: "tools" }, [this.largeButton, this.restartButton, this.eraseButton]),
        ]),
        this.confirm,
        this.handoffBar,
        this.log,
        this.status,
        this.form,
      ]);
      this.root = el("div", { class: "root", lang: "vi" }, [this.launcher, this.panel]);
      shadow.appendChild(this.root);

      var self = this;
      this.launcher.addEventListener("click", function () {
        if (self.panel.hidden) self.open(true); else self.close(true);
      });
      this.closeButton.addEventListener("click", function () { self.close(true); });
      this.largeButton.addEventListener("click", function () {
        self.setLarge(self.largeButton.getAttribute("aria-pressed") !== "true");
      });
      this.restartButton.addEventListener("click", function () { self.restart(); });
      this.eraseButton.addEventListener("click", function () {
        if (self.confirm.hidden) self.askErase(); else self.hideConfirm(true);
      });
      this.confirmNo.addEventListener("click", function () { self.hideConfirm(true); });
      this.confirmYes.addEventListener("click", function () { self.erase(); });
      this.cancelButton.addEventListener("click", function () {
        self.send(CANCEL_PAYLOAD, TEXT.cancel);
        self.input.focus();
      });
      this.root.addEventListener("keydown", function (event) {
        if (event.key !== "Escape" || self.panel.hidden) return;
        event.preventDefault();
        if (!self.confirm.hidden) self.hideConfirm(true); else self.close(true);
      });
      this.input.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
          event.preventDefault();
          self.submit();
        }
      });
      this.input.addEventListener("input", function () { self.fitInput(); });
      this.form.addEventListener("submit", function (event) {
        event.preventDefault();
        self.submit();
      });
    }

    // -- opening, closing, settings --

    open(focus) {
      this.panel.hidden = false;
      this.root.classList.add("open");
      this.launcher.setAttribute("aria-expanded", "true");
      tab.set(KEY_OPEN, "1");
      if (focus) this.input.focus();
      if (!this.started) {
        this.started = true;
        this.begin();
      }
    }

    close(focus) {
      this.hideConfirm(false);
      this.panel.hidden = true;
      this.root.classList.remove("open");
      this.launcher.setAttribute("aria-expanded", "false");
      tab.remove(KEY_OPEN);
      this.stopSpeaking();
      if (focus) this.launcher.focus();
    }

    setLarge(on) {
      this.root.classList.toggle("large", on);
      this.largeButton.setAttribute("aria-pressed", on ? "true" : "false");
      if (on) prefStore.set(KEY_LARGE, "1"); else prefStore.remove(KEY_LARGE);
    }

    fitInput() {
      this.input.style.height = "auto";
      this.input.style.height = this.input.scrollHeight + 2 + "px";
    }

    // -- the conversation id: issued by the server, kept with its notice and time of last use --

    stored() {
      var raw = idStore.get(KEY_SESSION);
      if (!raw) return null;
      var data = null;
      try { data = JSON.parse(raw); } catch (e) { data = null; }
      if (!data || typeof data.sender !== "string" || !SENDER_RE.test(data.sender) ||
          typeof data.usedAt !== "number") {
        idStore.remove(KEY_SESSION);
        return null;
      }
      return data;
    }

    // Still worth offering to the server: used within its idle_hours (a kiosk: active lately).
    fresh(record) {
      var hours = record.idleHours > 0 ? record.idleHours : DEFAULT_IDLE_HOURS;
      if (now() - record.usedAt > hours * 3600 * 1000) return false;
      return !KIOSK || now() - (record.activeAt || record.usedAt) <= KIOSK_IDLE_MS;
    }

    save() {
      if (this.record) idStore.set(KEY_SESSION, JSON.stringify(this.record));
    }

    used() {
      if (!this.record) return;
      this.record.usedAt = this.record.activeAt = now();
      this.save();
    }

    forget() {
      this.stopUpdates();
      this.sender = null;
      this.record = null;
      idStore.remove(KEY_SESSION);
    }

    // POST /api/session: a new id and the privacy notice, shown before ``before`` (or at the end).
    async issue(generation, before) {
      var result;
      try {
        result = await request(API_SESSION, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ kiosk: KIOSK }),
        });
      } catch (e) {
        result = null;
      }
      if (generation !== this.generation) return false;
      var data = result && result.ok ? result.data : null;
      if (!data || typeof data.sender !== "string" || !SENDER_RE.test(data.sender)) {
        this.showReplies([{ text: result ? detailOf(result.data) : TEXT.offline }], true);
        return false;
      }
      var hours = Number(data.idle_hours);
      this.record = {
        sender: data.sender,
        notice: typeof data.notice === "string" ? data.notice : "",
        idleHours: hours > 0 ? hours : DEFAULT_IDLE_HOURS,
        usedAt: now(),
        activeAt: now(),
      };
      this.sender = data.sender;
      this.save();
      this.addNotice(this.record.notice, before);
      this.sayNotice = this.record.notice;
      if (KIOSK) this.armIdle();
      return true;
    }

    // Ends an id on the server (a new start, the kiosk's reset); failures are of no consequence.
    endOnServer(sender, erase) {
      return request(API_END, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender: sender, erase: !!erase }),
      }).catch(function () { return null; });
    }

    // -- the conversation --

    begin() {
      var record = this.stored();
      if (record && this.fresh(record)) {
        this.record = record;
        this.sender = record.sender;
        this.addNotice(record.notice);
        this.enqueue(this.loadHistory.bind(this));
        return;
      }
      if (record) {
        // Unused too long: the server has forgotten it too, no need to ask.
        this.forget();
        if (KIOSK) this.endOnServer(record.sender, false);
        else this.addInfo(TEXT.expired);
      }
      this.enqueue(this.post.bind(this, "/greet", null)); // a new id, then the greeting with the menu
    }

    // A new conversation in place of this one: the panel is emptied, late replies are dropped.
    reset() {
      var old = this.sender;
      this.generation += 1;
      this.stopSpeaking();
      this.forget();
      this.clearLog();
      this.sayNotice = "";
      this.showHandoff(null);
      return old;
    }

    restart() {
      this.hideConfirm(false);
      var old = this.reset();
      if (old) this.endOnServer(old, false);
      this.announce(TEXT.restarted);
      this.enqueue(this.post.bind(this, "/greet", null));
      this.input.focus();
    }

    askErase() {
      this.confirm.hidden = false;
      this.eraseButton.setAttribute("aria-expanded", "true");
      this.confirmNo.focus();
    }

    hideConfirm(focus) {
      if (this.confirm.hidden) return;
      this.confirm.hidden = true;
      this.eraseButton.setAttribute("aria-expanded", "false");
      if (focus) this.eraseButton.focus();
    }

    // "Xóa cuộc trò chuyện", confirmed: erase it on the server, then start afresh with a new id.
    erase() {
      this.hideConfirm(false);
      this.input.focus();
      var self = this;
      // After what is already on its way, so nothing of the old conversation arrives later.
      this.enqueue(async function () {
        var old = self.sender;
        var result = null;
        if (old) {
          self.typing(true, TEXT.erasing);
          try {
            result = await request(API_END, {
              method: "POST",
              headers: { "Content-Type": "application/json" },
              body: JSON.stringify({ sender: old, erase: true }),
            });
          } catch (e) {
            result = null;
          }
          self.typing(false);
          if (self.sender !== old) return;
          if (!result || (!result.ok && result.status !== 401)) {
            return self.showReplies([{ text: result && result.status === 429 ? detailOf(result.data) :
              TEXT.eraseFailed }], true);
          }
        }
        self.reset();
        var done = result && result.status === 401 ? TEXT.expired : TEXT.erased;
        self.addInfo(done);
        var issued = await self.issue(self.generation, null);
        self.announce(issued ? done + " " + self.sayNotice : done);
        self.sayNotice = "";
      });
    }

    enqueue(task) {
      var generation = this.generation;
      var self = this;
      this.queue = this.queue.then(function () {
        return generation === self.generation ? task(generation) : null;
      }).catch(function () { /* each task shows its own errors */ });
    }

    submit() {
      var text = this.input.value.trim();
      if (!text) return;
      this.input.value = "";
      this.fitInput();
      this.send(text, text);
    }

    send(text, shown) {
      var item = this.addUser(shown);
      this.enqueue(this.post.bind(this, text, item));
    }

    // One message to the bot. ``shown`` is the person's bubble for it (null for the silent /greet):
    // a new conversation's notice goes before it. An id the server refuses is renewed once.
    async post(text, shown, generation, renewed) {
      this.typing(true, TEXT.typing);
      if (!this.sender && !(await this.issue(generation, shown))) return this.typing(false);
      var result;
      try {
        result = await request(API_CHAT, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ sender: this.sender, text: text }),
        });
      } catch (e) {
        result = null;
      }
      this.typing(false);
      if (generation !== this.generation) return;
      if (result && result.status === 401 && !renewed) {
        this.forget();
        this.addInfo(TEXT.expired, shown);
        this.announce(TEXT.expired);
        return this.post(text, shown, generation, true);
      }
      if (!result) return this.showReplies([{ text: TEXT.offline }], true);
      if (!result.ok) return this.showReplies([{ text: detailOf(result.data) }], true);
      var messages = result.data && Array.isArray(result.data.messages) ? result.data.messages : [];
      if (result.data && result.data.ended === true) {
        // Erased on the server (the person typed "Xóa cuộc trò chuyện" and confirmed): the id is
        // gone; only the confirmation stays, and the next message gets a new id.
        this.reset();
        return this.showReplies(messages.length ? messages : [{ text: TEXT.erased }], false);
      }
      this.used();
      this.followHandoff(result.data ? result.data.handoff : null, generation, null);
      if (!messages.length && this.handoff) return; // a person answers: the bot stays silent
      this.showReplies(messages.length ? messages : [{ text: TEXT.noReply }], false);
    }

    async loadHistory(generation) {
      this.typing(true, TEXT.loading);
      // Where the updates and the handoff stand before the history is read: nothing arriving
      // meanwhile is lost.
      var first = await this.fetchUpdates(this.sender, null);
      var cursor = first && first.ok && first.data && typeof first.data.cursor === "number" ? first.data.cursor : null;
      var state = cursor != null ? first.data.handoff : null;
      var result;
      try {
        result = await request(API_HISTORY + "?sender=" + encodeURIComponent(this.sender), { method: "GET" });
      } catch (e) {
        result = null;
      }
      this.typing(false);
      if (generation !== this.generation) return;
      if (result && (result.status === 401 || result.status === 403)) {
        // Expired or unknown to the server: a new conversation, said in one line.
        this.forget();
        this.clearLog();
        if (!KIOSK) this.addInfo(TEXT.expired);
        this.announce(TEXT.expired);
        return this.post("/greet", null, generation);
      }
      if (!result || !result.ok || !result.data || !Array.isArray(result.data.messages)) {
        return this.showReplies([{ text: TEXT.historyFailed }], true);
      }
      this.used();
      var past = result.data.messages;
      if (!past.length) {
        this.followHandoff(state, generation, cursor);
        return this.post("/greet", null, generation);
      }
      var self = this;
      past.forEach(function (entry) {
        if (entry.role === "user") self.addUser(entry.text || "");
        else if (entry.role === "agent") self.addAgent(entry);
        else self.addBot(entry, false);
      });
      this.log.scrollTop = this.log.scrollHeight;
      this.announce(TEXT.restored);
      var tail = [];
      for (var i = past.length - 1; i >= 0 && past[i].role !== "user"; i--) tail.unshift(replyKey(past[i]));
      this.pastTail = tail;
      this.followHandoff(state, generation, cursor);
    }

    // -- what arrives without a request: agent messages, the bot after a hand-back, the handoff --

    fetchUpdates(sender, cursor, stop) {
      var url = API_UPDATES + "?sender=" + encodeURIComponent(sender) + (cursor == null ? "" : "&after=" + cursor);
      return request(url, { method: "GET" }, stop).catch(function () { return null; });
    }

    // The handoff's state as the server last said it (the chat's answer, the updates): the bar,
    // and the long poll while a handoff is open (from ``cursor``, or from now when null).
    followHandoff(handoff, generation, cursor) {
      if (generation !== this.generation) return;
      this.showHandoff(handoff);
      if (this.handoff) this.startUpdates(generation, cursor);
      else this.stopUpdates();
    }

    // The long poll of this conversation (one at a time), while a handoff is open; it stops when
    // the state comes back null, when the conversation ends here (a new id, an erase, the kiosk's
    // reset) or when the server no longer knows the id.
    startUpdates(generation, cursor) {
      var sender = this.sender;
      if (!sender || generation !== this.generation) return;
      if (this.polling && this.polling.sender === sender && this.polling.generation === generation) return;
      this.stopUpdates();
      if (cursor == null) this.pastTail = null; // from now on: the history's tail is not in question
      var stop = typeof AbortController === "function" ? new AbortController() : null;
      var polling = { sender: sender, generation: generation, stop: stop };
      this.polling = polling;
      var self = this;
      var alive = function () {
        return self.polling === polling && self.generation === generation && self.sender === sender;
      };
      (async function () {
        var failures = 0;
        while (alive()) {
          var result = await self.fetchUpdates(sender, cursor, stop ? stop.signal : null);
          if (!alive()) return;
          if (result && [401, 403, 404, 422].indexOf(result.status) >= 0) break;
          if (!result || !result.ok || !result.data || typeof result.data.cursor !== "number") {
            await pause(POLL_RETRY_MS[Math.min(failures, POLL_RETRY_MS.length - 1)]);
            failures += 1;
            continue;
          }
          failures = 0;
          if (cursor != null) self.showUpdates(result.data.messages);
          cursor = result.data.cursor;
          self.showHandoff(result.data.handoff);
          if (!self.handoff) break; // handed back, closed or cancelled: nothing more will come
        }
        if (self.polling === polling) self.polling = null;
      })();
    }

    // The long poll under way, if any, ends now (its held request too).
    stopUpdates() {
      var polling = this.polling;
      this.polling = null;
      if (polling && polling.stop) polling.stop.abort();
    }

    showUpdates(messages) {
      var self = this;
      var list = (Array.isArray(messages) ? messages : []).filter(function (m) { return m && typeof m === "object"; });
      var tail = this.pastTail;
      this.pastTail = null;
      if (tail && tail.length) {
        // Replies that arrived between reading the cursor and reading the history are shown once.
        for (var k = Math.min(tail.length, list.length); k > 0; k--) {
          var same = true;
          for (var j = 0; j < k; j++) if (tail[tail.length - k + j] !== replyKey(list[j])) same = false;
          if (same) { list = list.slice(k); break; }
        }
      }
      if (!list.length) return;
      var said = [];
      list.forEach(function (message) {
        if (message.role === "agent") {
          self.addAgent(message);
          said.push(TEXT.agentSays + (message.text || ""));
        } else {
          self.addBot(message, false);
          said.push(TEXT.bot + (message.text || ""));
        }
      });
      this.log.scrollTop = this.log.scrollHeight;
      this.announce(said.join(". "));
      if (KIOSK) this.armIdle();
    }

    showHandoff(handoff) {
      var status = handoff && typeof handoff.status === "string" ? handoff.status : null;
      var position = handoff && typeof handoff.position === "number" ? handoff.position : null;
      var text = "";
      if (status === "waiting") {
        text = position === 1 ? TEXT.waitingNext : position > 1 ? fill(TEXT.waitingAt, { n: position }) : TEXT.waiting;
      } else if (status === "held") {
        text = TEXT.held;
      } else if (status === "kept") {
        text = TEXT.kept;
      }
      var was = this.handoff;
      this.handoff = text ? status : null;
      this.handoffBar.className = "handoff" + (text ? " " + status : "");
      this.handoffBar.hidden = !text;
      this.cancelButton.hidden = !(status === "waiting" || status === "kept");
      if (this.handoffText.textContent === text) return;
      this.handoffText.textContent = text;
      if (text && was !== status) this.announce(text);
    }

    // -- kiosk mode: forget everything after a while without activity --

    watchActivity() {
      var self = this;
      var active = function () { self.active(); };
      ["keydown", "input", "pointerdown", "touchstart", "wheel"].forEach(function (name) {
        self.root.addEventListener(name, active, { passive: true });
      });
      var record = this.stored();
      if (!record) return;
      if (this.fresh(record)) {
        this.armIdle(KIOSK_IDLE_MS - (now() - (record.activeAt || record.usedAt)));
      } else {
        // Left idle before this page was (re)loaded: end it now, before anyone opens the panel.
        this.forget();
        this.endOnServer(record.sender, false);
      }
    }

    active() {
      this.armIdle();
      if (this.record && now() - (this.record.activeAt || 0) > 1000) {
        this.record.activeAt = now();
        this.save();
      }
    }

    armIdle(ms) {
      if (!KIOSK) return;
      if (this.idleTimer) clearTimeout(this.idleTimer);
      this.idleTimer = setTimeout(this.idle.bind(this), Math.max(0, ms == null ? KIOSK_IDLE_MS : ms));
    }

    idle() {
      this.idleTimer = null;
      var old = this.sender || (this.stored() || {}).sender;
      var hadFocus = this.shadowRoot.activeElement != null;
      if (!old && this.panel.hidden && !this.log.firstChild) return;
      this.hideConfirm(false);
      this.reset();
      if (old) this.endOnServer(old, false);
      this.started = false;
      this.input.value = "";
      this.fitInput();
      this.status.textContent = "";
      this.setLarge(false);
      if (!this.panel.hidden) this.close(hadFocus);
      tab.remove(KEY_OPEN);
    }

    // -- rendering --

    clearLog() {
      this.log.textContent = "";
      this.typingItem = null;
    }

    // The privacy notice: a note at the top of the conversation, not a message of the bot.
    addNotice(text, before) {
      if (!text) return;
      this.insert(el("p", { class: "notice", role: "note", text: text }), before);
    }

    // One line about the conversation itself (it expired, it was erased).
    addInfo(text, before) {
      this.insert(el("p", { class: "info", text: text }), before);
    }

    insert(node, before) {
      if (before && before.parentNode === this.log) this.log.insertBefore(node, before);
      else if (this.typingItem && this.typingItem.parentNode === this.log) this.log.insertBefore(node, this.typingItem);
      else this.log.appendChild(node);
    }

    addUser(text) {
      var bubble = el("div", { class: "bubble" }, [el("span", { class: "sr-only", text: TEXT.you })]);
      appendText(bubble, text);
      var item = el("div", { class: "msg user" }, [bubble]);
      this.log.appendChild(item);
      this.log.scrollTop = this.log.scrollHeight;
      return item;
    }

    addBot(message, isError) {
      var self = this;
      var item = el("div", { class: "msg bot" + (isError ? " error" : "") });
      var bubble = el("div", { class: "bubble" }, [el("span", { class: "sr-only", text: TEXT.bot })]);
      if (message.text) appendText(bubble, message.text);
      var links = (Array.isArray(message.links) ? message.links : []).filter(function (l) {
        return l && safeUrl(l.url);
      });
      if (links.length) {
        bubble.appendChild(el("ul", {}, links.map(function (l) {
          return el("li", {}, [link(safeUrl(l.url), String(l.title || l.url))]);
        })));
      }
      var image = message.image && safeUrl(message.image);
      if (image) bubble.appendChild(el("img", { src: image, alt: TEXT.image, loading: "lazy" }));
      item.appendChild(bubble);

      if (message.text && !isError) {
        var speak = el("button", { class: "speak", type: "button", "aria-pressed": "false",
          "aria-label": TEXT.speakLabel }, [el("span", { "aria-hidden": "true", text: "🔊" }), TEXT.speak]);
        speak.addEventListener("click", function () { self.speak(message.text, speak); });
        item.appendChild(speak);
      }

      var buttons = (Array.isArray(message.buttons) ? message.buttons : []).filter(function (b) {
        return b && b.title && b.payload;
      });
      if (buttons.length) {
        item.appendChild(el("div", { class: "choices", role: "group", "aria-label": TEXT.choices },
          buttons.map(function (b) {
            var button = el("button", { class: "choice", type: "button", text: String(b.title) });
            button.addEventListener("click", function () { self.send(String(b.payload), String(b.title)); });
            return button;
          })));
      }
      this.insert(item);
      return item;
    }

    // A message of the agent who took over: labelled, and shown apart from the bot's.
    addAgent(message) {
      var bubble = el("div", { class: "bubble" }, [el("span", { class: "sr-only", text: TEXT.agentSays })]);
      appendText(bubble, message.text || "");
      var item = el("div", { class: "msg agent" }, [el("p", { class: "who", "aria-hidden": "true", text: TEXT.agent }), bubble]);
      this.insert(item);
      return item;
    }

    showReplies(messages, isError) {
      var self = this;
      var first = null;
      var said = [];
      messages.forEach(function (message) {
        var item = self.addBot(message, isError);
        first = first || item;
        if (message.text) said.push(message.text);
        (message.buttons || []).forEach(function (b) { if (b && b.title) said.push(b.title); });
      });
      // Show the start of the reply: long answers are read from their first line.
      if (first) this.log.scrollTop = Math.max(0, first.offsetTop - 8);
      var notice = this.sayNotice;
      this.sayNotice = "";
      this.announce((notice ? notice + " " : "") + TEXT.bot + said.join(". "));
      if (KIOSK) this.armIdle(); // reading the reply counts as activity
    }

    typing(on, label) {
      if (this.typingItem) {
        this.typingItem.remove();
        this.typingItem = null;
      }
      if (!on) return;
      this.typingItem = el("div", { class: "msg bot typing" }, [
        el("div", { class: "bubble" }, [
          el("span", { class: "sr-only", text: label }),
          el("span", { class: "dot", "aria-hidden": "true" }),
          el("span", { class: "dot", "aria-hidden": "true" }),
          el("span", { class: "dot", "aria-hidden": "true" }),
        ]),
      ]);
      this.log.appendChild(this.typingItem);
      this.log.scrollTop = this.log.scrollHeight;
      this.announce(label);
    }

    announce(text) {
      var status = this.status;
      status.textContent = "";
      // A fresh text node after a tick, so the same words are announced again.
      setTimeout(function () { status.textContent = text; }, 60);
    }

    // -- reading aloud (only with a Vietnamese voice) --

    watchVoices() {
      var self = this;
      var update = function () {
        self.voice = vietnameseVoice();
        self.root.classList.toggle("can-speak", !!self.voice);
      };
      update();
      if (window.speechSynthesis && window.speechSynthesis.addEventListener) {
        window.speechSynthesis.addEventListener("voiceschanged", update);
      }
    }

    speak(text, button) {
      var again = this.speaking === button;
      this.stopSpeaking();
      if (again || !this.voice) return;
      var utterance = new SpeechSynthesisUtterance(text);
      utterance.voice = this.voice;
      utterance.lang = "vi-VN";
      utterance.rate = 0.95;
      var self = this;
      utterance.onend = utterance.onerror = function () {
        if (self.speaking === button) self.stopSpeaking();
      };
      this.speaking = button;
      button.setAttribute("aria-pressed", "true");
      button.lastChild.textContent = TEXT.stop;
      window.speechSynthesis.speak(utterance);
    }

    stopSpeaking() {
      if (this.speaking) {
        this.speaking.setAttribute("aria-pressed", "false");
        this.speaking.lastChild.textContent = TEXT.speak;
        this.speaking = null;
      }
      if (window.speechSynthesis) window.speechSynthesis.cancel();
    }
  }

  customElements.define(TAG, ChatWidget);

  function mount() {
    if (!document.querySelector(TAG)) document.body.appendChild(document.createElement(TAG));
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
