/** The pages' two sources: `/rpc/<method>` (CometBFT, read methods) and `/api/…` (the REST gateway). */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const getJson = async (url: string): Promise<unknown> => {
  const r = await fetch(url);
  let body: unknown;
  try {
    body = await r.json();
  } catch {
    throw new ApiError(r.status, `${url}: ${r.status} ${r.statusText}`);
  }
  if (!r.ok) {
    const b = (body ?? {}) as { message?: unknown; error?: unknown };
    throw new ApiError(r.status, String(b.message ?? b.error ?? `${r.status} ${r.statusText}`));
  }
  return body;
};

/** A CometBFT RPC call by URI; string values are quoted as CometBFT's URI form wants them. */
export const rpc = async <T = any>(
  method: string,
  params: Readonly<Record<string, string | number | boolean>> = {},
): Promise<T> => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    q.set(k, typeof v === "string" ? JSON.stringify(v) : String(v));
  const body = (await getJson(`/rpc/${method}${q.size > 0 ? `?${q}` : ""}`)) as {
    result?: T;
    error?: { message?: string; data?: string };
  };
  if (body.error) throw new ApiError(500, body.error.data || body.error.message || "RPC error");
  return body.result as T;
};

/** A REST gateway GET (`/cosmos/…`, `/remes/remes/v1/…`). */
export const api = async <T = any>(path: string): Promise<T> => (await getJson(`/api${path}`)) as T;

/** The same, or undefined for a 404 (a miner that is none, a pruned window). */
export const apiOrNone = async <T = any>(path: string): Promise<T | undefined> => {
  try {
    return await api<T>(path);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return undefined;
    throw e;
  }
};

/** Upper-case hex sha256 of a base64 tx: its hash as CometBFT and the SDK name it. */
export const txHash = async (b64: string): Promise<string> => {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...d]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("")
    .toUpperCase();
};
