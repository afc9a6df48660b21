// Photos: take or choose a picture, attach it with its kind; the shell compresses it into
// the replica's photo store and hands back a thumbnail.

import { backend, errorMessage, type PhotoView } from "../backend";
import { currentApp } from "../app";
import { codeLabel } from "../forms";
import { h, mount } from "../dom";

export function photoTile(p: PhotoView): HTMLElement {
  const app = currentApp();
  return h(
    "figure",
    { class: "photo", "data-id": p.id },
    h("img", { src: p.thumbnail, alt: codeLabel(app.bundle, "photo_kind", p.kind) }),
    h(
      "figcaption",
      {},
      codeLabel(app.bundle, "photo_kind", p.kind),
      " · ",
      p.uploaded ? "已上传" : "待上传",
    ),
  );
}

export function photoPanel(
  subjectId: string,
  villageId: string,
  photos: PhotoView[],
  onAdded?: (p: PhotoView) => void,
): HTMLElement {
  const app = currentApp();
  const kinds = app.bundle.code_lists.find((l) => l.id === "photo_kind")?.entries ?? [];
  const kind = h(
    "select",
    { id: "photo-kind" },
    kinds.map((e) => h("option", { value: e.code }, e.zh)),
  );
  const out = h("div", { id: "photo-result" });
  const grid = h("div", { class: "photos", id: "photo-grid" }, photos.map(photoTile));
  // `capture` opens the camera on phones; desktop gets a file chooser.
  const file = h("input", { id: "photo-file", type: "file", accept: "image/jpeg,image/png", capture: "environment" });
  file.addEventListener("change", async () => {
    const f = file.files?.[0];
    if (!f) return;
    mount(out, h("div", { class: "hint" }, "正在压缩保存……"));
    try {
      const bytes = new Uint8Array(await f.arrayBuffer());
      const p = await backend().addPhoto(subjectId, villageId, kind.value, bytes);
      grid.prepend(photoTile(p));
      onAdded?.(p);
      mount(out, h("div", { class: "ok-box" }, "照片已保存 · 待上传"), p.note ? h("div", { class: "hint", id: "photo-note" }, p.note) : null);
    } catch (e) {
      mount(out, h("div", { class: "error-box" }, errorMessage(e)));
    } finally {
      file.value = "";
    }
  });
  return h(
    "section",
    { class: "panel", id: "photos" },
    h("h2", {}, "照片"),
    h("label", {}, "照片类型", kind),
    h("label", { class: "file-button big" }, "拍照或选择照片", file),
    out,
    grid,
  );
}
