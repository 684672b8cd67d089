// "Hỗ trợ trực tiếp" (app/staff/handoffs.py), part two: the open conversation. Built on
// handoffs-queue.js (window.StaffHandoffs: the queue, the API call, the shared words), loaded
// before this script, and on console.js.
//
// - GET /api/staff/handoffs/{id}: the masked transcript and the procedure, step, address and
//   stage of the walkthrough; read again whenever the queue is.
// - Claim, messages (the reply box, with the canned replies of GET /api/staff/canned to insert),
//   resume {"step"} and close are POSTs with the session's CSRF token in X-CSRF-Token.
//
// Everything a citizen, the bot or an agent wrote goes into the page with textContent; nothing
// is parsed as HTML. No inline script or style: the console's CSP forbids both.
(function () {
  "use strict";

  const page = window.StaffHandoffs;
  if (!page) return;

  const { API, ME, state, call, problem, refresh, channelOf, holderOf, waitedSeconds, duration } = page;

  const TEXT = {
    ...page.TEXT,
    statuses: { waiting: "Đang chờ", held: "Đang hỗ trợ", kept: "Giữ lại, trả lời sau", closed: "Đã kết thúc",
      cancelled: "Người dân đã hủy" },
    roles: { user: "Người dân", citizen: "Người dân", bot: "Trợ lý", agent: "Cán bộ" },
    heldByMe: "Anh/chị đang hỗ trợ cuộc trò chuyện này.",
    heldByOther: "{name} đang hỗ trợ cuộc trò chuyện này; anh/chị chỉ xem.",
    closedNote: "Cuộc hỗ trợ này đã kết thúc.",
    noProcedure: "Chưa chọn thủ tục",
    none: "—",
    // The guide's stage (slot guide_stage), as the "Sẵn sàng" line says it.
    stages: {
      choose: "Đang chọn thủ tục",
      confirm: "Đang xác nhận thủ tục",
      vneid: "Đang kiểm tra tài khoản VNeID",
      address: "Đang hỏi địa chỉ nộp hồ sơ",
      ready: "Chưa sẵn sàng: đang chuẩn bị giấy tờ",
      steps: "Đã sẵn sàng, đang làm theo các bước",
      problem: "Đang gặp lỗi ở một bước",
      rating: "Đã làm xong, đang đánh giá",
      resume: "Đang được hỏi có làm tiếp không",
    },
    step: "Bước {k}",
    stepOf: "Bước {k} / {n}",
    resumeTo: "Tiếp tục hướng dẫn từ bước {k}",
    resumeMenu: "Trả lại cho trợ lý (về danh mục chính)",
    stepOption: "Bước {k}: {text}",
    question: "Câu hỏi giữ lại: ",
    sent: "Đã gửi.",
    claimed: "Anh/chị đã nhận hỗ trợ cuộc trò chuyện này.",
    resumed: "Đã trả lại cho trợ lý.",
    closed: "Đã kết thúc hỗ trợ; trợ lý hỏi người dân đánh giá.",
    emptyReply: "Anh/chị nhập nội dung trả lời trước khi gửi.",
    position: "thứ {n} trong hàng chờ",
  };

  const { $, el, fill, listOf } = window.StaffConsole;

  const shown = {
    detail: null, // the conversation on screen, as the API gave it
    canned: [],
    steps: new Map(), // procedure slug -> [instruction, …]
  };

  // ---- loading a conversation -------------------------------------------------------------------

  async function select(id) {
    page.opened(id);
    $("reply").value = "";
    await load(id, true);
    $("conversation-title").focus();
  }

  async function load(id, fresh) {
    let detail;
    try {
      detail = await call("GET", API + "/" + encodeURIComponent(id));
    } catch (failure) {
      if (failure.status === 404) {
        state.selected = null;
        shown.detail = null;
        $("conversation-view").hidden = true;
        $("conversation-empty").hidden = false;
      }
      problem(failure.detail);
      return;
    }
    if (String(state.selected) !== String(id)) return;
    shown.detail = detail;
    await showConversation(detail, fresh);
  }

  const slotsOf = (detail) => detail.slots || {};
  function stepOf(detail) {
    const slots = slotsOf(detail);
    const step = slots.guide_step ?? slots.step ?? detail.step;
    return Number.isInteger(step) ? step : Number.parseInt(step, 10) || null;
  }
  function procedureOf(detail) {
    const slots = slotsOf(detail);
    return slots.procedure || detail.procedure || null;
  }

  async function stepsOf(slug) {
    if (!slug) return [];
    if (shown.steps.has(slug)) return shown.steps.get(slug);
    let steps = [];
    try {
      const found = await call("GET", "/api/staff/procedures/" + encodeURIComponent(slug));
      steps = ((found && found.data && found.data.steps) || []).map((s) => String((s && s.instruction) || ""));
    } catch (e) {
      steps = [];
    }
    shown.steps.set(slug, steps);
    return steps;
  }

  // ---- showing it -------------------------------------------------------------------------------

  function line(message) {
    const role = message.role || message.author || "bot";
    const who = role === "agent" && (message.agent || message.by)
      ? TEXT.roles.agent + " " + (message.agent || message.by)
      : TEXT.roles[role] || role;
    const item = el("div", { class: "line " + (role === "citizen" ? "user" : role) }, [
      el("span", { class: "who", text: who }),
    ]);
    const at = Date.parse(message.at || message.timestamp || "");
    if (Number.isFinite(at)) {
      item.append(el("span", { class: "at", text: new Date(at).toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit" }) }));
    }
    item.append(el("p", { class: "text", text: String(message.text || "") }));
    const buttons = Array.isArray(message.buttons) ? message.buttons.filter((b) => b && b.title) : [];
    if (buttons.length) {
      item.append(el("p", { class: "choices", text: buttons.map((b) => "[" + b.title + "]").join(" ") }));
    }
    return item;
  }

  async function showConversation(detail, fresh) {
    $("conversation-empty").hidden = true;
    $("conversation-view").hidden = false;
    $("conversation-title").textContent = fill(TEXT.conversation, { id: detail.id });
    const meta = [channelOf(detail), TEXT.statuses[detail.status] || detail.status];
    if (detail.reason && TEXT.reasons[detail.reason]) meta.push(TEXT.reasons[detail.reason]);
    const waited = waitedSeconds(detail);
    if (detail.status === "waiting" && waited != null) meta.push(fill(TEXT.waited, { t: duration(waited) }));
    if (detail.status === "waiting" && detail.position) meta.push(fill(TEXT.position, { n: detail.position }));
    $("conversation-meta").textContent = meta.join(" · ");

    const slots = slotsOf(detail);
    const slug = procedureOf(detail);
    const steps = await stepsOf(slug);
    if (shown.detail !== detail) return; // a newer view is being shown
    const step = stepOf(detail);
    $("slot-procedure").textContent = slots.procedure_name || detail.procedure_name || slug || TEXT.noProcedure;
    $("slot-step").textContent = step ? (steps.length ? fill(TEXT.stepOf, { k: step, n: steps.length }) : fill(TEXT.step, { k: step })) : TEXT.none;
    $("slot-address").textContent = slots.address || TEXT.none;
    const stage = slots.readiness ?? slots.guide_stage;
    $("slot-ready").textContent = stage ? TEXT.stages[stage] || String(stage) : TEXT.none;

    const question = $("question-line");
    question.hidden = !detail.question;
    question.textContent = detail.question ? TEXT.question + detail.question : "";

    const transcript = $("transcript");
    const atBottom = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 40;
    const messages = detail.transcript || detail.messages || [];
    transcript.replaceChildren(...messages.map(line));
    if (fresh || atBottom) transcript.scrollTop = transcript.scrollHeight;

    const holder = holderOf(detail);
    const mine = detail.status === "held" && holder === ME;
    const open = ["waiting", "kept", "held"].includes(detail.status);
    $("claim-row").hidden = !(open && !mine && detail.status !== "held");
    $("agent-tools").hidden = !mine;
    const note = $("held-note");
    note.hidden = mine ? false : !(detail.status === "held" || !open);
    note.textContent = mine ? TEXT.heldByMe
      : detail.status === "held" ? fill(TEXT.heldByOther, { name: holder || "" })
        : !open ? TEXT.closedNote : "";
    if (mine) showSteps(steps, step);
  }

  function showSteps(steps, current) {
    const select = $("resume-step");
    const chosen = select.dataset.handoff === String(state.selected) ? select.value : "";
    select.dataset.handoff = String(state.selected);
    if (!steps.length) {
      select.replaceChildren(el("option", { value: "1", text: TEXT.resumeMenu }));
      select.disabled = true;
    } else {
      select.disabled = false;
      select.replaceChildren(...steps.map((text, i) => el("option", {
        value: String(i + 1),
        text: fill(TEXT.stepOption, { k: i + 1, text: text.length > 90 ? text.slice(0, 87) + "…" : text }),
      })));
      select.value = chosen || String(Math.min(Math.max(current || 1, 1), steps.length));
    }
    resumeLabel();
  }

  function resumeLabel() {
    const select = $("resume-step");
    $("resume").textContent = select.disabled ? TEXT.resumeMenu : fill(TEXT.resumeTo, { k: select.value || 1 });
  }

  // ---- acting on it -----------------------------------------------------------------------------

  async function act(path, body, done) {
    const id = state.selected;
    if (id == null) return false;
    try {
      await call("POST", API + "/" + encodeURIComponent(id) + "/" + path, body === undefined ? {} : body);
    } catch (failure) {
      problem(failure.detail);
      await refresh();
      return false;
    }
    problem("");
    $("done").textContent = done || "";
    await refresh();
    return true;
  }

  // ---- canned replies -------------------------------------------------------------------------

  async function loadCanned() {
    try {
      const data = await call("GET", "/api/staff/canned");
      shown.canned = listOf(data);
    } catch (e) {
      shown.canned = [];
    }
    const select = $("canned");
    select.replaceChildren(select.options[0],
      ...shown.canned.map((reply) => el("option", { value: String(reply.id), text: String(reply.title || "") })));
  }

  function insertCanned() {
    const chosen = shown.canned.find((reply) => String(reply.id) === $("canned").value);
    if (!chosen) return;
    const box = $("reply");
    const text = String(chosen.text || "");
    const start = box.selectionStart ?? box.value.length;
    const end = box.selectionEnd ?? box.value.length;
    box.setRangeText(text, start, end, "end");
    box.focus();
  }

  // ---- wiring -----------------------------------------------------------------------------------

  page.attach({ select, load });

  $("claim").addEventListener("click", async () => {
    if (await act("claim", undefined, TEXT.claimed)) $("reply").focus();
  });
  $("canned-insert").addEventListener("click", insertCanned);
  $("reply-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const box = $("reply");
    const text = box.value.trim();
    if (!text) {
      problem(TEXT.emptyReply);
      box.focus();
      return;
    }
    // The box is emptied at once (the agent may type the next message meanwhile) and the text
    // given back if it could not be sent.
    const send = $("send");
    send.disabled = true;
    box.value = "";
    if (!(await act("messages", { text }, TEXT.sent)) && !box.value.trim()) box.value = text;
    send.disabled = false;
    box.focus();
  });
  $("reply").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      $("reply-form").requestSubmit();
    }
  });
  $("resume-step").addEventListener("change", resumeLabel);
  $("resume-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const step = Number.parseInt($("resume-step").value, 10) || 1;
    act("resume", { step }, TEXT.resumed);
  });
  $("close").addEventListener("click", () => act("close", undefined, TEXT.closed));

  loadCanned();
})();
