/** Calls to Vitrail's HTTP API with the session cookie and, on state-changing requests, the CSRF token. */

export type Role = 'admin' | 'editor';
export type Visibility = 'public' | 'private';
export type MediaKind = 'image' | 'pdf' | 'other';
export type MediaSort = 'newest' | 'oldest' | 'name' | 'largest';

export interface SessionUser {
  readonly id: string;
  readonly email: string;
  readonly role: Role;
}

export interface Session {
  readonly user: SessionUser;
  readonly csrfToken: string | null;
  readonly maxUploadBytes: number;
}

/** The mail-ready image made from an uploaded image, with its weight in bytes and its dimensions in pixels. */
export interface Rendition {
  readonly size: number;
  readonly width: number | null;
  readonly height: number | null;
}

export interface Media {
  readonly id: string;
  readonly name: string;
  readonly mime: string;
  readonly size: number;
  readonly width: number | null;
  readonly height: number | null;
  readonly visibility: Visibility;
  readonly alt: string;
  readonly url: string;
  readonly folder: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly trashedAt: string | null;
  readonly uploader?: { readonly id: string; readonly email: string } | null;
  /**
   * The mail-ready rendition that the public URL serves instead of an image's original. Servers that make
   * no renditions leave the field out; null means this media has none.
   */
  readonly rendition?: Rendition | null;
  /** true when the public URL serves the original although the media has a rendition. */
  readonly publishOriginal?: boolean;
  /** API path of a small image for the grid, on servers that make thumbnails. */
  readonly thumbnailPath?: string | null;
}

/** Returns the URL of a media's image in the grid: its thumbnail when the server made one. */
export function thumbnailOf(media: Media): string {
  return media.thumbnailPath ?? media.url;
}

/**
 * Returns the URL of the bytes as uploaded. A server that makes renditions serves them at the public URL and
 * the original at /original. Without renditions, the public URL serves the original itself.
 */
export function originalUrlOf(media: Media): string {
  return 'rendition' in media ? `/api/v1/media/${encodeURIComponent(media.id)}/original` : media.url;
}

/** Returns the rendition that the public URL serves, or null when it serves the original. */
export function servedRenditionOf(media: Media): Rendition | null {
  if (media.rendition === undefined || media.rendition === null || media.publishOriginal === true) return null;
  return media.rendition;
}

export interface MediaPage {
  readonly items: Media[];
  readonly nextCursor: string | null;
}

export interface FolderCount {
  readonly folder: string;
  readonly count: number;
}

export interface User {
  readonly id: string;
  readonly email: string;
  readonly role: Role;
  readonly createdAt: string;
  readonly disabledAt: string | null;
}

export interface ApiToken {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

export type PageStatus = 'published' | 'unpublished';

/** Location of a finding: the element, the attribute (null for text) and the source line. */
export interface FindingLocation {
  readonly element: string;
  readonly attribute: string | null;
  readonly line: number | null;
}

/** An item of the page that may be personal data, with its text partly masked by the server. */
export interface Finding {
  readonly id: string;
  readonly kind: string;
  readonly text: string;
  readonly where: FindingLocation;
  readonly occurrences: number;
}

/** A hosted web version of a mailing, served at its public URL while published. */
export interface Page {
  readonly id: string;
  readonly slug: string;
  readonly title: string;
  readonly url: string;
  readonly status: PageStatus;
  readonly indexable: boolean;
  readonly confirmedFindings: readonly Finding[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly unpublishedAt: string | null;
  readonly createdBy?: { readonly id: string; readonly email: string } | null;
}

/** The editor's choices sent with a page file. */
export interface PageChoices {
  /** Empty keeps the document's own title, or the current title on a replacement. */
  readonly title?: string;
  readonly indexable: boolean;
  /** Ids of the findings the editor checked and confirmed as fine to publish. */
  readonly confirm: readonly string[];
}

function pageForm(file: File, choices: PageChoices): FormData {
  const form = new FormData();
  if (choices.title !== undefined && choices.title.trim() !== '') form.append('title', choices.title.trim());
  form.append('indexable', String(choices.indexable));
  if (choices.confirm.length > 0) form.append('confirm', choices.confirm.join(','));
  form.append('file', file, file.name);
  return form;
}

/** Returns the findings of a VITRAIL_PAGE_PERSONAL_DATA error, or null for any other error. */
export function findingsOf(error: unknown): Finding[] | null {
  if (!(error instanceof ApiError) || error.code !== 'VITRAIL_PAGE_PERSONAL_DATA') return null;
  const findings = error.details.findings;
  return Array.isArray(findings) ? (findings as Finding[]) : null;
}

/** An error response of the API. Its stable code selects the message shown, in the user's language. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;

export function useCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function currentCsrfToken(): string | null {
  return csrfToken;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET' && csrfToken !== null) headers['x-csrf-token'] = csrfToken;
  let payload: BodyInit | undefined;
  if (body instanceof FormData) {
    payload = body;
  } else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const response = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const json: unknown = text === '' ? null : JSON.parse(text);
  if (!response.ok) throw toApiError(response.status, json, response.headers.get('retry-after'));
  return json as T;
}

/** Builds an ApiError from an error body `{ error: { code, message, … } }`. */
export function toApiError(status: number, json: unknown, retryAfter: string | null = null): ApiError {
  const error = (json as { error?: Record<string, unknown> } | null)?.error;
  const code = typeof error?.code === 'string' ? error.code : 'HTTP_' + String(status);
  const message = typeof error?.message === 'string' ? error.message : '';
  const seconds = retryAfter === null ? null : Number(retryAfter);
  return new ApiError(status, code, message, error ?? {}, seconds !== null && Number.isFinite(seconds) ? seconds : null);
}

export interface MediaQuery {
  readonly q?: string;
  readonly folder?: string;
  readonly type?: MediaKind;
  readonly sort?: MediaSort;
  readonly trash?: boolean;
  readonly cursor?: string;
}

function mediaSearch(query: MediaQuery): string {
  const params = new URLSearchParams({ limit: '60' });
  if (query.q !== undefined && query.q.trim() !== '') params.set('q', query.q.trim());
  if (query.folder !== undefined) params.set('folder', query.folder);
  if (query.type !== undefined) params.set('type', query.type);
  if (query.sort !== undefined) params.set('sort', query.sort);
  if (query.trash === true) params.set('trash', 'true');
  if (query.cursor !== undefined) params.set('cursor', query.cursor);
  return params.toString();
}

export const api = {
  getSession: () => request<Session>('GET', '/api/v1/session'),
  signIn: (email: string, password: string) => request<Session>('POST', '/api/v1/session', { email, password }),
  signOut: () => request<void>('DELETE', '/api/v1/session'),
  changePassword: (currentPassword: string, newPassword: string) =>
    request<void>('PUT', '/api/v1/account/password', { currentPassword, newPassword }),

  listMedia: (query: MediaQuery) => request<MediaPage>('GET', `/api/v1/media?${mediaSearch(query)}`),
  getMedia: (id: string) => request<Media>('GET', `/api/v1/media/${encodeURIComponent(id)}`),
  listFolders: () => request<{ items: FolderCount[] }>('GET', '/api/v1/folders'),
  /** `confirm` goes ahead although readers fetched the media lately (VITRAIL_MEDIA_RECENTLY_FETCHED otherwise). */
  updateMedia: (id: string, changes: Partial<Pick<Media, 'name' | 'alt' | 'visibility' | 'folder'>>, confirm = false) =>
    request<Media>('PATCH', `/api/v1/media/${encodeURIComponent(id)}${confirm ? '?confirm=true' : ''}`, changes),
  trashMedia: (id: string, confirm = false) =>
    request<Media>('DELETE', `/api/v1/media/${encodeURIComponent(id)}${confirm ? '?confirm=true' : ''}`),
  restoreMedia: (id: string) => request<Media>('POST', `/api/v1/media/${encodeURIComponent(id)}/restore`),
  deleteForGood: (id: string) => request<unknown>('DELETE', `/api/v1/media/${encodeURIComponent(id)}?permanent=true&confirm=true`),
  replaceContent: (id: string, file: File) => {
    const form = new FormData();
    form.append('file', file, file.name);
    return request<Media>('PUT', `/api/v1/media/${encodeURIComponent(id)}/content`, form);
  },

  listUsers: () => request<{ items: User[] }>('GET', '/api/v1/users'),
  addUser: (email: string, password: string, role: Role) => request<User>('POST', '/api/v1/users', { email, password, role }),
  updateUser: (id: string, changes: { role?: Role; disabled?: boolean; password?: string }) =>
    request<User>('PATCH', `/api/v1/users/${encodeURIComponent(id)}`, changes),

  listTokens: () => request<{ items: ApiToken[] }>('GET', '/api/v1/tokens'),
  createToken: (name: string) => request<{ id: string; token: string }>('POST', '/api/v1/tokens', { name }),
  revokeToken: (id: string) => request<void>('DELETE', `/api/v1/tokens/${encodeURIComponent(id)}`),

  listPages: () => request<{ items: Page[] }>('GET', '/api/v1/pages'),
  getPage: (id: string) => request<Page>('GET', `/api/v1/pages/${encodeURIComponent(id)}`),
  /** Fails with VITRAIL_PAGE_PERSONAL_DATA, and its findings, until each finding is in `choices.confirm`. */
  publishPage: (file: File, choices: PageChoices) => request<Page>('POST', '/api/v1/pages', pageForm(file, choices)),
  replacePage: (id: string, file: File, choices: PageChoices) =>
    request<Page>('PUT', `/api/v1/pages/${encodeURIComponent(id)}`, pageForm(file, choices)),
  unpublishPage: (id: string) => request<Page>('DELETE', `/api/v1/pages/${encodeURIComponent(id)}`),
  republishPage: (id: string) => request<Page>('POST', `/api/v1/pages/${encodeURIComponent(id)}/publish`),
};
