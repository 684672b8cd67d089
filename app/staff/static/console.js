// The helpers the console's pages share, as one object: window.StaffConsole. Loaded before a
// page's own scripts (canned.js, handoffs-queue.js, handoffs-conversation.js) by the templates
// that need it; no inline script (the console's CSP forbids it). Texts go into the page with
// textContent, never as HTML.
(function () {
  "use strict";

  const FAILED = "Có lỗi xảy ra, anh/chị vui lòng thử lại.";

  const $ = (id) => document.getElementById(id);

  // el("button", {type: "button", class: "secondary", text: "Lưu"}, [children]): true makes a
  // bare attribute, false and null leave it out.
  const el = (tag, attrs, children) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name === "text") node.textContent = value;
      else if (name === "class") node.className = value;
      else if (value === true) node.setAttribute(name, "");
      else if (value !== false && value != null) node.setAttribute(name, String(value));
    }
    for (const child of children || []) node.append(child);
    return node;
  };

  // fill("Bước {k} / {n}", {k: 2, n: 5}); a name without a value stays as written.
  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (m, key) => String(values[key] ?? m));

  // A list from the API: the array itself, or the one under `key` of an object.
  const listOf = (data, key = "items") => (Array.isArray(data) ? data : (data && data[key]) || []);

  // What a failed call throws: the HTTP status (0: no answer) and the text to show.
  class Failure extends Error {
    constructor(status, detail) {
      super(detail);
      this.status = status;
      this.detail = detail;
    }
  }

  // call(method, url, body) on the console's JSON API: the session's cookie, the CSRF token in
  // X-CSRF-Token on anything but GET; the answer's JSON, or a Failure with the server's detail.
  // `unauthorized` (optional) is called on a 401 before the Failure is thrown.
  function api(csrf, unauthorized) {
    return async function call(method, url, body) {
      const headers = { Accept: "application/json" };
      if (method !== "GET") headers["X-CSRF-Token"] = csrf;
      if (body !== undefined) headers["Content-Type"] = "application/json";
      let response;
      try {
        response = await fetch(url, {
          method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (e) {
        throw new Failure(0, FAILED);
      }
      let data = null;
      try { data = await response.json(); } catch (e) { data = null; }
      if (!response.ok) {
        const detail = data && typeof data.detail === "string" ? data.detail : FAILED;
        if (response.status === 401 && unauthorized) unauthorized();
        throw new Failure(response.status, detail);
      }
      return data;
    };
  }

  window.StaffConsole = Object.freeze({ FAILED, $, el, fill, listOf, Failure, api });
})();
