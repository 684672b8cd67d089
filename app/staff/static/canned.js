// "Câu trả lời mẫu" (app/staff/canned.py): the canned replies on their API.
// GET /api/staff/canned lists them (any agent); editors add (POST), change (PUT /{id}) and delete
// (DELETE /{id}) with the session's CSRF token in X-CSRF-Token (console.js). Texts go in with
// textContent.
(function () {
  "use strict";

  const root = document.getElementById("canned-page");
  if (!root) return;

  const API = "/api/staff/canned";
  const CSRF = root.dataset.csrf || "";
  const CAN_EDIT = root.dataset.canEdit === "true";
  const TEXT = {
    missing: "Anh/chị nhập cả tên ngắn và nội dung.",
    added: "Đã thêm câu trả lời mẫu.",
    saved: "Đã lưu câu trả lời mẫu.",
    deleted: "Đã xóa câu trả lời mẫu.",
    edit: "Sửa",
    save: "Lưu",
    cancel: "Thôi",
    remove: "Xóa",
    confirmRemove: "Xóa hẳn",
    keep: "Không xóa",
    removeQuestion: "Xóa câu trả lời mẫu “{title}”?",
    title: "Tên ngắn",
    text: "Nội dung",
    updated: "Cập nhật {at}",
  };

  const { $, el, listOf } = window.StaffConsole;
  const call = window.StaffConsole.api(CSRF);

  function say(text) {
    $("canned-status").textContent = text || "";
    $("canned-status").hidden = !text;
    if (text) problem("");
  }

  function problem(text) {
    $("canned-problem").textContent = text || "";
    $("canned-problem").hidden = !text;
  }

  function field(id, label, control) {
    return el("div", { class: "field" }, [el("label", { for: id, text: label }), control]);
  }

  function entry(reply) {
    const id = String(reply.id);
    const item = el("li", { "data-id": id });
    const view = el("div", { class: "card" }, [
      el("h3", { text: String(reply.title || "") }),
      el("p", { class: "canned-text", text: String(reply.text || "") }),
    ]);
    const at = Date.parse(reply.updated_at || "");
    if (Number.isFinite(at)) {
      view.append(el("p", { class: "hint", text: TEXT.updated.replace("{at}", new Date(at).toLocaleString("vi-VN")) }));
    }
    item.append(view);
    if (!CAN_EDIT) return item;

    const edit = el("button", { type: "button", class: "secondary", text: TEXT.edit });
    const remove = el("button", { type: "button", class: "danger", text: TEXT.remove });
    view.append(el("div", { class: "inline" }, [edit, remove]));

    edit.addEventListener("click", () => {
      const title = el("input", { id: "title-" + id, type: "text", maxlength: "100", required: true });
      title.value = String(reply.title || "");
      const text = el("textarea", { id: "text-" + id, rows: "3", maxlength: "2000", required: true });
      text.value = String(reply.text || "");
      const cancel = el("button", { type: "button", class: "secondary", text: TEXT.cancel });
      const form = el("form", { class: "card stack", novalidate: true }, [
        field("title-" + id, TEXT.title, title),
        field("text-" + id, TEXT.text, text),
        el("div", { class: "inline" }, [el("button", { type: "submit", text: TEXT.save }), cancel]),
      ]);
      cancel.addEventListener("click", () => { form.replaceWith(view); edit.focus(); });
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        if (!title.value.trim() || !text.value.trim()) return problem(TEXT.missing);
        try {
          await call("PUT", API + "/" + encodeURIComponent(id), { title: title.value.trim(), text: text.value.trim() });
        } catch (error) {
          return problem(error.message);
        }
        say(TEXT.saved);
        load();
      });
      view.replaceWith(form);
      title.focus();
    });

    remove.addEventListener("click", () => {
      const yes = el("button", { type: "button", class: "danger", text: TEXT.confirmRemove });
      const no = el("button", { type: "button", class: "secondary", text: TEXT.keep });
      const ask = el("div", { class: "card", role: "group" }, [
        el("p", { text: TEXT.removeQuestion.replace("{title}", String(reply.title || "")) }),
        el("div", { class: "inline" }, [yes, no]),
      ]);
      no.addEventListener("click", () => { ask.remove(); remove.focus(); });
      yes.addEventListener("click", async () => {
        try {
          await call("DELETE", API + "/" + encodeURIComponent(id));
        } catch (error) {
          return problem(error.message);
        }
        say(TEXT.deleted);
        load();
      });
      item.append(ask);
      no.focus();
    });
    return item;
  }

  async function load() {
    let replies;
    try {
      const data = await call("GET", API);
      replies = listOf(data);
    } catch (error) {
      return problem(error.message);
    }
    $("canned-list").replaceChildren(...replies.map(entry));
    $("canned-count").textContent = String(replies.length);
    $("canned-empty").hidden = replies.length > 0;
  }

  const form = $("canned-new");
  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const title = $("new-title").value.trim();
      const text = $("new-text").value.trim();
      if (!title || !text) return problem(TEXT.missing);
      try {
        await call("POST", API, { title, text });
      } catch (error) {
        return problem(error.message);
      }
      form.reset();
      say(TEXT.added);
      load();
    });
  }
  load();
})();
