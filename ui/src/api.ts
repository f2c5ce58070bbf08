/** The API client: bearer token for the tab, errors turned into sentences. */

const TOKEN_KEY = "visionyard.token";

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
  window.dispatchEvent(new Event("visionyard-token"));
}

export interface FieldError {
  path: string;
  reason: string;
}

/** An API error with the server's code and message (``{"error": {"code", "message", "fields"}}``). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
  }
}

/** Fired when the server answers 401, so the app can ask for the token. */
export const UNAUTHORISED = "visionyard-unauthorised";

export function authHeaders(extra: HeadersInit = {}): Headers {
  const headers = new Headers(extra);
  const token = getToken();
  if (token) headers.set("Authorization", `Bearer ${token}`);
  return headers;
}

async function failure(response: Response): Promise<ApiError> {
  let code = `http_${response.status}`;
  let message = `${response.status} ${response.statusText || "error"}`;
  let fields: FieldError[] = [];
  try {
    const body = await response.json();
    if (body?.error) {
      code = body.error.code ?? code;
      message = body.error.message ?? message;
      fields = body.error.fields ?? [];
    } else if (typeof body?.detail === "string") {
      message = body.detail;
    }
  } catch {
    /* not JSON: keep the status line */
  }
  if (response.status === 401) window.dispatchEvent(new Event(UNAUTHORISED));
  return new ApiError(response.status, code, message, fields);
}

/** fetch with the token; throws ApiError for any non-2xx answer and for an unreachable server. */
export async function request(path: string, init: RequestInit = {}): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers: authHeaders(init.headers) });
  } catch {
    throw new ApiError(0, "unreachable", "The visionyard server cannot be reached. Is it running?");
  }
  if (!response.ok) throw await failure(response);
  return response;
}

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await request(path, init);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export function post<T>(path: string, body?: unknown, method = "POST"): Promise<T> {
  return api<T>(path, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Query string from a record, leaving out empty values; arrays repeat the key. */
export function query(params: Record<string, unknown>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, String(item));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** Download a file through fetch (so the token goes with it) and hand it to the browser. */
export async function download(path: string, fallbackName: string): Promise<void> {
  const response = await request(path);
  const disposition = response.headers.get("Content-Disposition") ?? "";
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  const name = match ? decodeURIComponent(match[1]) : fallbackName;
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Upload with progress (fetch has no upload progress; XMLHttpRequest does). */
export function upload<T>(
  path: string,
  body: FormData | Blob,
  onProgress: (fraction: number) => void,
  headers: Record<string, string> = {},
): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    authHeaders(headers).forEach((value, key) => xhr.setRequestHeader(key, value));
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onerror = () => reject(new ApiError(0, "unreachable", "The upload failed: the server cannot be reached."));
    xhr.onload = () => {
      const response = new Response(xhr.responseText, {
        status: xhr.status,
        headers: { "Content-Type": xhr.getResponseHeader("Content-Type") ?? "application/json" },
      });
      if (xhr.status >= 200 && xhr.status < 300) resolve(JSON.parse(xhr.responseText || "null") as T);
      else failure(response).then(reject);
    };
    xhr.send(body);
  });
}

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
