// "Hỗ trợ trực tiếp" (app/staff/handoffs.py), part one: on duty, the queue and the live stream.
// The conversation view (transcript, slots, reply, claim/resume/close) is handoffs-conversation.js,
// loaded after this script; the two meet in window.StaffHandoffs.
//
// - On duty: PUT /api/staff/presence {"online"} when the switch changes, and every 60 s while on
//   duty (the choice is kept in sessionStorage, so a reload stays on duty).
// - The queue: GET /api/staff/handoffs, fetched again whenever the stream
//   (GET /api/staff/handoffs/stream, server-sent events "handoffs") says something changed, and
//   every 30 s besides. A conversation that starts waiting shows a notice; the page title counts
//   the waiting ones.
//
// Everything a citizen, the bot or an agent wrote goes into the page with textContent; nothing
// is parsed as HTML. The shared helpers ($, el, fill, the API call) are console.js's. No inline
// script or style: the console's CSP forbids both.
(function () {
  "use strict";

  const root = document.getElementById("handoffs");
  if (!root) return;

  const API = "/api/staff/handoffs";
  const CSRF = root.dataset.csrf || "";
  const ME = root.dataset.me || "";
  const DUTY_KEY = "dvc-staff-on-duty";
  const PRESENCE_EVERY_MS = 60_000;
  const REFRESH_EVERY_MS = 30_000;
  const BASE_TITLE = document.title;

  // The queue's words, and those the conversation view shares with it (it adds its own).
  const TEXT = {
    channels: { web: "Trang web", tg: "Telegram", telegram: "Telegram", zalo: "Zalo" },
    reasons: { request: "Người dân xin gặp cán bộ", ladder: "Trợ lý không trả lời được",
      problem: "Gặp lỗi hai lần ở cùng một bước" },
    onDuty: "Anh/chị đang trực: người dân được xếp hàng chờ và anh/chị nhận được thông báo.",
    offDuty: "Anh/chị chưa nhận trực: người dân không được xếp hàng chờ anh/chị.",
    dutyFailed: "Chưa đổi được trạng thái trực. Anh/chị thử lại.",
    live: "Đang cập nhật trực tiếp.",
    reconnecting: "Mất kết nối cập nhật trực tiếp, đang kết nối lại…",
    expired: "Phiên làm việc đã hết hạn. Anh/chị tải lại trang để đăng nhập lại.",
    empty: "Không có cuộc trò chuyện nào.",
    arrivedOne: "Có người dân mới đang chờ cán bộ hỗ trợ",
    arrivedMany: "Có {n} người dân mới đang chờ cán bộ hỗ trợ",
    waited: "chờ {t}",
    minutes: "{n} phút",
    seconds: "dưới 1 phút",
    hours: "{h} giờ {m} phút",
    heldBy: "{name} đang hỗ trợ",
    conversation: "Cuộc trò chuyện #{id}",
  };

  const { $, el, fill } = window.StaffConsole;

  const state = {
    onDuty: false,
    items: [],
    known: null, // ids seen waiting so far (null before the first list: nothing is "new" then)
    fresh: new Set(), // waiting ids that arrived while the page was open and were not opened yet
    selected: null, // the open conversation's id (set by the conversation view)
    stream: null,
    presenceTimer: null,
    refreshing: null,
    again: false,
  };

  // The conversation view, once handoffs-conversation.js has attached it: {select(id), load(id, fresh)}.
  let view = null;

  // ---- talking to the server ------------------------------------------------------------------

  const call = window.StaffConsole.api(CSRF, () => expired());

  function problem(text) {
    const box = $("problem");
    box.textContent = text || "";
    box.hidden = !text;
  }

  function expired() {
    problem(TEXT.expired);
    if (state.stream) state.stream.close();
    state.stream = null;
    clearInterval(state.presenceTimer);
  }

  // ---- reading the API's shapes (tolerant: what a field is called is the API's business) -------

  const itemsOf = (data) => (Array.isArray(data) ? data : (data && (data.handoffs || data.items)) || []);
  const channelOf = (item) => {
    const raw = String(item.channel || (item.sender || "").split(":")[0] || "");
    return TEXT.channels[raw] || raw;
  };
  const holderOf = (item) => item.claimed_by || item.agent || null;
  const procedureName = (item) => item.procedure_name || item.procedure_title || item.procedure || "";
  function waitedSeconds(item) {
    if (typeof item.waiting_seconds === "number") return item.waiting_seconds;
    if (typeof item.waited_seconds === "number") return item.waited_seconds;
    const since = Date.parse(item.requested_at || "");
    return Number.isFinite(since) ? Math.max(0, (Date.now() - since) / 1000) : null;
  }
  function duration(seconds) {
    if (seconds == null) return "";
    const minutes = Math.floor(seconds / 60);
    if (minutes < 1) return TEXT.seconds;
    if (minutes < 60) return fill(TEXT.minutes, { n: minutes });
    return fill(TEXT.hours, { h: Math.floor(minutes / 60), m: minutes % 60 });
  }
  function groupOf(item) {
    if (item.status === "waiting") return "waiting";
    if (item.status === "kept") return "kept";
    if (item.status === "held") return holderOf(item) === ME ? "mine" : "others";
    return null;
  }

  // ---- on duty ----------------------------------------------------------------------------------

  function showDuty() {
    const button = $("duty");
    button.setAttribute("aria-checked", state.onDuty ? "true" : "false");
    button.classList.toggle("on", state.onDuty);
    $("duty-state").textContent = state.onDuty ? TEXT.onDuty : TEXT.offDuty;
  }

  async function setDuty(online) {
    try {
      await call("PUT", "/api/staff/presence", { online });
    } catch (failure) {
      problem(failure.status === 401 ? TEXT.expired : TEXT.dutyFailed);
      return;
    }
    problem("");
    state.onDuty = online;
    try {
      if (online) sessionStorage.setItem(DUTY_KEY, "1"); else sessionStorage.removeItem(DUTY_KEY);
    } catch (e) { /* storage blocked: the switch still works for this page */ }
    clearInterval(state.presenceTimer);
    if (online) {
      state.presenceTimer = setInterval(() => {
        call("PUT", "/api/staff/presence", { online: true }).catch(() => {});
      }, PRESENCE_EVERY_MS);
    }
    showDuty();
    refresh();
  }

  // ---- the queue --------------------------------------------------------------------------------

  function queueEntry(item) {
    const parts = [channelOf(item)];
    const name = procedureName(item);
    if (name) parts.push(name);
    const waited = waitedSeconds(item);
    if (item.status === "waiting" && waited != null) parts.push(fill(TEXT.waited, { t: duration(waited) }));
    if (item.status === "held" && holderOf(item) && holderOf(item) !== ME) {
      parts.push(fill(TEXT.heldBy, { name: holderOf(item) }));
    }
    if (item.status === "kept" && item.requested_at) {
      const at = new Date(item.requested_at);
      if (!Number.isNaN(at.getTime())) parts.push(at.toLocaleString("vi-VN"));
    }
    const button = el("button", {
      type: "button", class: "queue-item", "data-id": item.id,
      "aria-current": String(item.id) === String(state.selected) ? "true" : false,
    }, [
      el("span", { class: "queue-id", text: fill(TEXT.conversation, { id: item.id }) }),
      el("span", { class: "queue-meta", text: parts.join(" · ") }),
    ]);
    if (item.reason && TEXT.reasons[item.reason]) {
      button.append(el("span", { class: "queue-reason", text: TEXT.reasons[item.reason] }));
    }
    if (state.fresh.has(String(item.id))) button.append(el("span", { class: "badge", text: "Mới" }));
    button.addEventListener("click", () => { if (view) view.select(item.id); });
    return el("li", {}, [button]);
  }

  function showQueue() {
    const groups = { waiting: [], mine: [], others: [], kept: [] };
    for (const item of state.items) {
      const group = groupOf(item);
      if (group) groups[group].push(item);
    }
    for (const [group, items] of Object.entries(groups)) {
      const list = $("list-" + group);
      list.replaceChildren(...(items.length ? items.map(queueEntry) : [el("li", { class: "hint", text: TEXT.empty })]));
      $("count-" + group).textContent = String(items.length);
    }
    const waiting = groups.waiting.length;
    document.title = (waiting ? "(" + waiting + ") " : "") + BASE_TITLE;
  }

  function noticeArrivals(items) {
    const waitingIds = items.filter((item) => item.status === "waiting").map((item) => String(item.id));
    if (state.known !== null) {
      for (const id of waitingIds) if (!state.known.has(id)) state.fresh.add(id);
    }
    state.known = new Set([...(state.known || []), ...waitingIds]);
    for (const id of [...state.fresh]) if (!waitingIds.includes(id)) state.fresh.delete(id);
    const box = $("arrival");
    const count = state.fresh.size;
    const text = count === 0 ? "" : count === 1 ? TEXT.arrivedOne : fill(TEXT.arrivedMany, { n: count });
    if (box.textContent !== text) box.textContent = text;
    box.hidden = !text;
  }

  // The conversation `id` was opened: it is no longer new, and the queue marks it as the open one.
  function opened(id) {
    state.selected = id;
    state.fresh.delete(String(id));
    noticeArrivals(state.items);
    showQueue();
  }

  // One fetch of the list (and the open conversation) at a time; a change during it fetches again.
  function refresh() {
    if (state.refreshing) {
      state.again = true;
      return state.refreshing;
    }
    state.refreshing = (async () => {
      do {
        state.again = false;
        try {
          const items = itemsOf(await call("GET", API));
          state.items = items;
          noticeArrivals(items);
          showQueue();
          if (state.selected != null && view) await view.load(state.selected, false);
        } catch (failure) {
          if (failure.status !== 401) problem(failure.detail);
        }
      } while (state.again);
      state.refreshing = null;
    })();
    return state.refreshing;
  }

  function listen() {
    if (typeof EventSource !== "function") return;
    const stream = new EventSource(API + "/stream", { withCredentials: true });
    state.stream = stream;
    stream.addEventListener("open", () => {
      $("connection").textContent = TEXT.live;
      refresh();
    });
    stream.addEventListener("handoffs", () => refresh());
    stream.addEventListener("error", () => {
      if (state.stream !== stream) return;
      $("connection").textContent = TEXT.reconnecting;
      if (stream.readyState === EventSource.CLOSED) {
        // The browser gave up (e.g. the session ended): try again shortly; a 401 there says so.
        state.stream = null;
        setTimeout(() => {
          call("GET", API).then(() => { if (!state.stream) listen(); }).catch(() => {});
        }, 5000);
      }
    });
  }

  // ---- what the conversation view builds on ----------------------------------------------------

  window.StaffHandoffs = Object.freeze({
    API, ME, TEXT: Object.freeze(TEXT), state,
    call, problem, refresh, opened, channelOf, holderOf, waitedSeconds, duration,
    attach(conversation) { view = conversation; },
  });

  // ---- wiring -----------------------------------------------------------------------------------

  $("duty").addEventListener("click", () => setDuty(!state.onDuty));
  // Keep the waiting times current between changes.
  setInterval(() => { if (!state.refreshing) refresh(); }, REFRESH_EVERY_MS);

  showDuty();
  let wasOnDuty = false;
  try { wasOnDuty = sessionStorage.getItem(DUTY_KEY) === "1"; } catch (e) { wasOnDuty = false; }
  if (wasOnDuty) setDuty(true); else refresh();
  listen();
})();
