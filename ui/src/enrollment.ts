// The enrollment code: the county server's address and a user name in one line of text, shown
// as a QR code on the county dashboard (管理 → 用户) and scanned or pasted on the app's login
// screen. The one definition of its format, for both sides.

const PREFIX = "jiandang:enroll?";

/** What an enrollment code holds. */
export interface Enrollment {
  server: string;
  username: string;
}

/** The code for a server address and a user name. */
export function enrollmentText(e: Enrollment): string {
  const q = new URLSearchParams({ server: e.server, user: e.username });
  return PREFIX + q.toString();
}

/** The server and user of a scanned or pasted code, or null when the text is not one. */
export function parseEnrollment(text: string): Enrollment | null {
  const t = text.trim();
  if (!t.startsWith(PREFIX)) return null;
  const q = new URLSearchParams(t.slice(PREFIX.length));
  const server = q.get("server")?.trim() ?? "";
  const username = q.get("user")?.trim() ?? "";
  if (!/^https?:\/\/[^\s]+$/.test(server) || username === "") return null;
  return { server, username };
}
