// First run: county server address, user and password, device enrolment, then the
// snapshot of the assigned villages with a progress bar.

import { backend, errorMessage } from "../backend";
import { currentApp, go, setStatus } from "../app";
import { h } from "../dom";
import { parseEnrollment } from "../enrollment";

export async function loginView(): Promise<HTMLElement> {
  const server = h("input", { id: "server-url", name: "server_url", type: "url", placeholder: "http://县服务器地址:端口", autocomplete: "url" });
  // Filled in when the app was started for a server (scripts/run.sh); always editable.
  server.value = currentApp().status.server_url ?? "";
  const user = h("input", { id: "username", name: "username", autocomplete: "username" });
  const pass = h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password" });
  // The county dashboard's enrollment code (scanned or pasted) fills in the server and user.
  const code = h("input", {
    id: "enrollment-code",
    name: "enrollment_code",
    placeholder: "扫描或粘贴县级看板上的登记码（可不填）",
    oninput: () => {
      const e = parseEnrollment(code.value);
      codeHint.textContent = code.value.trim() === "" ? "" : e ? "已填入服务器地址和用户名，请输入密码" : "这不是建档登记码";
      if (!e) return;
      server.value = e.server;
      user.value = e.username;
      pass.focus();
    },
  });
  const codeHint = h("div", { class: "hint", id: "enrollment-hint" });
  const error = h("div", { class: "error-box", id: "login-error", role: "alert", hidden: true });
  const bar = h("progress", { id: "snapshot-progress", max: 1, value: 0 });
  const barText = h("div", { class: "progress-text", id: "snapshot-text" }, "");
  const progress = h("div", { class: "progress", hidden: true }, bar, barText);
  const button = h("button", { class: "primary big", id: "enroll", type: "submit" }, "登录并下载本村数据");

  const form = h(
    "form",
    {
      class: "login card",
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        error.hidden = true;
        button.disabled = true;
        progress.hidden = false;
        barText.textContent = "正在连接县服务器……";
        const un = await backend().onSyncProgress((p) => {
          bar.max = Math.max(p.total, 1);
          bar.value = p.done;
          barText.textContent = p.message;
        });
        try {
          const status = await backend().enroll({
            server_url: server.value.trim(),
            username: user.value.trim(),
            password: pass.value,
          });
          setStatus(status);
          go("#/home");
        } catch (e) {
          error.textContent = errorMessage(e);
          error.hidden = false;
          progress.hidden = true;
        } finally {
          un();
          button.disabled = false;
        }
      },
    },
    h("label", {}, "登记码", code, codeHint),
    h("label", {}, "县服务器地址", server),
    h("label", {}, "用户名", user),
    h("label", {}, "密码", pass),
    error,
    button,
    progress,
  );

  return h(
    "div",
    { class: "screen login-screen" },
    h("header", { class: "topbar" }, h("h1", {}, "建档 · 扶贫对象动态管理")),
    h("main", {}, h("p", { class: "lead" }, "首次使用：登录县服务器，注册本设备，下载分配给您的村的数据。之后可离线工作。"), form),
  );
}
