// App-wide state the views share: the form bundle (loaded once), the shell's status and
// the hash router.

import { backend, type AppStatus, type FormBundle } from "./backend";

export interface App {
  bundle: FormBundle;
  status: AppStatus;
  /** The village being worked on. */
  villageId: string | null;
}

let app: App | null = null;

export async function loadApp(): Promise<App> {
  const [bundle, status] = await Promise.all([backend().formBundle(), backend().status()]);
  app = { bundle, status, villageId: status.villages[0]?.id ?? null };
  return app;
}

export function currentApp(): App {
  if (!app) throw new Error("app not loaded");
  return app;
}

export function setStatus(status: AppStatus): void {
  const a = currentApp();
  a.status = status;
  if (!a.villageId || !status.villages.some((v) => v.id === a.villageId)) {
    a.villageId = status.villages[0]?.id ?? null;
  }
}

export function go(hash: string): void {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = hash;
}

/** A route: `#/household/ID` -> ["household", "ID"]. */
export function route(): string[] {
  return location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
}
