/**
 * Every error Vitrail returns, with its stable code, HTTP status and message template.
 * `{name}` placeholders are filled from the parameters given to VitrailError.
 * docs/errors.md lists the same codes; a test keeps the two in step.
 */
export const ERROR_CATALOGUE = {
  VITRAIL_AUTH_REQUIRED: {
    status: 401,
    template: 'Authentication is required: send an API token as "Authorization: Bearer <token>".',
  },
  VITRAIL_AUTH_INVALID_TOKEN: {
    status: 401,
    template: 'The API token is unknown or revoked, or its user is disabled: check the token, or ask an administrator for a new one ("vitrail token create") or to enable the account.',
  },
  VITRAIL_AUTH_SCHEME: {
    status: 401,
    template: 'The Authorization header must be "Bearer <token>", but it {problem}: send the API token that "vitrail token create" printed, after "Bearer ".',
  },
  VITRAIL_FORBIDDEN: {
    status: 403,
    template: 'Your account is not allowed to {action}.',
  },
  VITRAIL_USER_EXISTS: {
    status: 409,
    template: 'A user with the e-mail address "{email}" already exists.',
  },
  VITRAIL_USER_NOT_FOUND: {
    status: 404,
    template: 'No user has the e-mail address "{email}": "vitrail user list" shows every user.',
  },
  VITRAIL_TOKEN_NOT_FOUND: {
    status: 404,
    template: 'No API token has the id "{id}": "vitrail token list" shows every token.',
  },
  VITRAIL_ROUTE_NOT_FOUND: {
    status: 404,
    template: 'No route matches {method} {path}.',
  },
  VITRAIL_MEDIA_NOT_FOUND: {
    status: 404,
    template: 'No media has the id "{id}".',
  },
  VITRAIL_MEDIA_NOT_TRASHED: {
    status: 409,
    template: 'The media "{id}" is not in the trash, so there is nothing to restore.',
  },
  VITRAIL_MEDIA_IN_TRASH: {
    status: 409,
    template: 'The media "{id}" is in the trash: restore it before changing its content.',
  },
  VITRAIL_MEDIA_CHANGED_MEANWHILE: {
    status: 409,
    template: 'The content of the media "{id}" was replaced by another request meanwhile: check its versions, then send the file again.',
  },
  VITRAIL_MEDIA_VERSION_NOT_FOUND: {
    status: 404,
    template: 'The media "{id}" has no earlier version {version}: GET /api/v1/media/{id}/versions lists them.',
  },
  VITRAIL_MEDIA_RECENTLY_FETCHED: {
    status: 409,
    template: 'The media "{id}" was fetched {fetches} in the last {days} days, so mails already sent still show it and {change} breaks them: to go ahead, repeat the request with ?confirm=true added to its URL.',
  },
  VITRAIL_MEDIA_GONE: {
    status: 410,
    template: 'The media "{id}" has been deleted.',
  },
  VITRAIL_MEDIA_TOO_LARGE: {
    status: 413,
    template: 'The file is larger than the limit of {limit}: send a smaller file, or ask the operator to raise VITRAIL_MAX_UPLOAD_BYTES.',
  },
  VITRAIL_MEDIA_EMPTY: {
    status: 400,
    template: 'The file "{name}" is empty: choose a file with content.',
  },
  VITRAIL_MEDIA_TYPE_NOT_ALLOWED: {
    status: 415,
    template: 'The content of "{name}" is {detected}, which is not accepted. Accepted types: {allowed}.',
  },
  VITRAIL_IMAGE_UNREADABLE: {
    status: 422,
    template: 'The image "{name}" cannot be decoded ({reason}): it may be truncated or damaged. Export it again and send the new file.',
  },
  VITRAIL_IMAGE_TOO_MANY_PIXELS: {
    status: 413,
    template: 'The image "{name}" declares {width}×{height} pixels{frames}, more than the limit of {limit} pixels: send a smaller image, or ask the operator to raise VITRAIL_MAX_IMAGE_PIXELS.',
  },
  VITRAIL_MEDIA_NO_THUMBNAIL: {
    status: 404,
    template: 'The media "{id}" has no thumbnail: only images get one.',
  },
  VITRAIL_VARIANT_INVALID: {
    status: 400,
    template: 'The image variant asked for is invalid: {reason}. docs/images.md lists the parameters.',
  },
  VITRAIL_UPLOAD_MALFORMED: {
    status: 400,
    template: 'The upload is not a valid multipart/form-data request: {reason}.',
  },
  VITRAIL_UPLOAD_FILE_MISSING: {
    status: 400,
    template: 'The upload has no file: send it in the multipart field "file".',
  },
  VITRAIL_UPLOAD_TOO_MANY_FILES: {
    status: 400,
    template: 'The upload has more than one file: send one file per request, in the field "file".',
  },
  VITRAIL_UPLOAD_UNKNOWN_FIELD: {
    status: 400,
    template: 'The multipart field "{field}" is not recognised: use "file", "visibility", "alt" and "folder".',
  },
  VITRAIL_REQUEST_CONTENT_TYPE: {
    status: 415,
    template: 'The request body must be {expected}, not "{received}".',
  },
  VITRAIL_VALIDATION_FAILED: {
    status: 400,
    template: 'The request is invalid: {reason}.',
  },
  VITRAIL_REQUEST_TOO_LARGE: {
    status: 413,
    template: 'The request body is larger than the limit of {limit}.',
  },
  VITRAIL_IMPORT_SOURCE_INVALID: {
    status: 400,
    template: 'The Drupal import cannot start: {reason}. Check the paths given to "vitrail import drupal".',
  },
  VITRAIL_STORAGE_FULL: {
    status: 507,
    template: 'The server is short of disk space ({free} free, at least {floor} required), so uploads are paused until an operator frees space; existing media are still served.',
  },
  VITRAIL_USER_QUOTA_EXCEEDED: {
    status: 413,
    template: 'This file ({size}) would take your media past your quota of {quota} ({used} already used): delete media you no longer need, or ask an operator to raise VITRAIL_USER_QUOTA.',
  },
  VITRAIL_STORAGE_QUOTA_EXCEEDED: {
    status: 413,
    template: 'This file ({size}) would take the server past its storage quota of {quota} ({used} already used): ask an operator to free space or raise VITRAIL_STORAGE_QUOTA.',
  },
  VITRAIL_PAGE_NOT_FOUND: {
    status: 404,
    template: 'No page has the id "{id}".',
  },
  VITRAIL_PAGE_NOT_HTML: {
    status: 415,
    template: 'The file "{name}" is {detected}, not an HTML page: send an .html file, or a .zip holding the page and its images.',
  },
  VITRAIL_PAGE_NO_HTML: {
    status: 400,
    template: 'The zip archive holds no .html or .htm file: put the page in the zip beside its images.',
  },
  VITRAIL_PAGE_SEVERAL_HTML: {
    status: 400,
    template: 'The zip archive holds several HTML files ({names}) and no single index.html at its top: name the page index.html or send one page per zip.',
  },
  VITRAIL_PAGE_IMAGE_MISSING: {
    status: 400,
    template: 'The page refers to images that are not in the upload: {references}. Send a zip holding the page and these images, or use absolute URLs.',
  },
  VITRAIL_PAGE_PERSONAL_DATA: {
    status: 422,
    template: 'The page contains {count} item(s) that may be personal data, listed in "findings": fix the page, or send it again with the ids of the findings you confirm in the field "confirm".',
  },
  VITRAIL_DOCUMENT_IMAGE_INVALID: {
    status: 415,
    template: 'The image {reference} is {detected}, which is not an image type this server accepts (see VITRAIL_ALLOWED_TYPES): replace it or remove it from the document.',
  },
  VITRAIL_ZIP_INVALID: {
    status: 400,
    template: 'The zip archive cannot be read: {reason}. Create it again with your archiver\'s "compress" or "send to zip" command.',
  },
  VITRAIL_ZIP_TOO_MANY_ENTRIES: {
    status: 413,
    template: 'The zip archive has {count} entries, more than the limit of {limit}: send only the page and its images.',
  },
  VITRAIL_ZIP_TOO_LARGE_UNPACKED: {
    status: 413,
    template: 'The zip archive unpacks to more than the limit of {limit}: send only the page and its images, or ask the operator to raise VITRAIL_ZIP_MAX_UNPACKED_BYTES.',
  },
  VITRAIL_ZIP_COMPRESSION_RATIO: {
    status: 413,
    template: 'The zip entry "{name}" unpacks to {ratio} times its packed size, more than the limit of {limit}: such archives are used to exhaust servers, so it was rejected before unpacking.',
  },
  VITRAIL_ZIP_UNSAFE_ENTRY: {
    status: 400,
    template: 'The zip entry "{name}" {reason}, which is not allowed: create the archive from the folder holding the page, without links.',
  },
  VITRAIL_EXTERNALIZE_NOT_SUPPORTED: {
    status: 415,
    template: 'The file "{name}" is neither an HTML document nor an e-mail message (.eml): {reason}.',
  },
  VITRAIL_AUTH_LOGIN_FAILED: {
    status: 401,
    template: 'The e-mail address or the password is wrong, or the account is disabled.',
  },
  VITRAIL_AUTH_TOO_MANY_ATTEMPTS: {
    status: 429,
    template: 'Too many failed sign-in attempts: wait {minutes} minutes before trying again.',
  },
  VITRAIL_AUTH_CSRF_INVALID: {
    status: 403,
    template: 'The request has no X-CSRF-Token header matching the session: reload the page, or send an API token instead of the cookie.',
  },
  VITRAIL_AUTH_PASSWORD_WRONG: {
    status: 403,
    template: 'The current password is wrong, so the password was not changed.',
  },
  VITRAIL_USER_ID_NOT_FOUND: {
    status: 404,
    template: 'No user has the id "{id}".',
  },
  VITRAIL_USER_SELF_CHANGE: {
    status: 409,
    template: 'You cannot {action} your own account: ask another admin to do it.',
  },
  VITRAIL_MEDIA_DUPLICATE: {
    status: 409,
    template: 'The same file is already in the library as "{name}": {url}',
  },
  VITRAIL_UPLOAD_NOT_FOUND: {
    status: 404,
    template: 'No resumable upload has the id "{id}": it has finished, expired or never existed. A finished upload is in the library; otherwise start the upload again.',
  },
  VITRAIL_UPLOAD_OFFSET_CONFLICT: {
    status: 409,
    template: 'The Upload-Offset sent is not where the upload stands: ask with HEAD for its Upload-Offset, then send the bytes from there.',
  },
  VITRAIL_UPLOAD_TUS_VERSION: {
    status: 412,
    template: 'The request must name the tus version it follows: send the header "Tus-Resumable: 1.0.0".',
  },
  VITRAIL_UPLOAD_LENGTH_EXCEEDED: {
    status: 413,
    template: 'The data sent goes past the Upload-Length declared when the upload was created: send only the bytes left, from the Upload-Offset that HEAD gives.',
  },
  VITRAIL_UPLOAD_REQUEST_INVALID: {
    status: 400,
    template: 'The resumable upload request is invalid: {reason}. The README shows a valid one with curl.',
  },
  VITRAIL_UPLOAD_INTERRUPTED: {
    status: 500,
    template: 'The server failed to store this upload; its log has the details. Try again later: if the upload still exists, HEAD gives the Upload-Offset to resume from.',
  },
  VITRAIL_INTERNAL: {
    status: 500,
    template: 'An internal error occurred; the server log has the details under request id {requestId}.',
  },
  VITRAIL_UNAVAILABLE: {
    status: 503,
    template: 'The server is not ready: {reason}.',
  },
  VITRAIL_EDITOR_NOT_AN_IMAGE: {
    status: 415,
    template: 'The content of "{name}" is {detected}, not a raster image: editors insert images into mails, so send a JPEG, PNG, GIF, WebP or HEIC file.',
  },
  VITRAIL_EDITOR_FILE_MISSING: {
    status: 400,
    template: 'The upload has no file: send it in the multipart field "{field}".',
  },
  VITRAIL_EDITOR_TOO_MANY_FILES: {
    status: 400,
    template: 'The upload has more than {max} files: send fewer files per request.',
  },
  VITRAIL_CKEDITOR4_FORM_MODE: {
    status: 400,
    template: "CKEditor 4's form upload mode is not supported: set config.filebrowserUploadMethod to 'xhr' and send the token in fileTools_requestHeaders.",
  },
  VITRAIL_MOSAICO_SOURCE_REJECTED: {
    status: 400,
    template: 'The src "{src}" is not the public URL of a media on this server ({base}/m/<id>/<name>): the image processor serves only Vitrail media.',
  },
  VITRAIL_MOSAICO_REQUEST_INVALID: {
    status: 400,
    template: 'The image processor request is invalid: {reason}.',
  },
} as const satisfies Record<string, { status: number; template: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export type ErrorParameters = Readonly<Record<string, string | number>>;

/** An expected failure with a stable code; the HTTP layer turns it into `{"error":{code,message}}`. */
export class VitrailError extends Error {
  readonly status: number;
  /** Extra members of the `error` object in the response, such as the findings of a page check. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    readonly code: ErrorCode,
    readonly parameters: ErrorParameters = {},
    options?: { cause?: unknown; details?: Readonly<Record<string, unknown>> },
  ) {
    const entry = ERROR_CATALOGUE[code];
    super(fillTemplate(entry.template, parameters), options);
    this.name = 'VitrailError';
    this.status = entry.status;
    this.details = options?.details ?? {};
  }
}

function fillTemplate(template: string, parameters: ErrorParameters): string {
  return template.replace(/\{(\w+)\}/g, (placeholder, key: string) => {
    const value = parameters[key];
    return value === undefined ? placeholder : String(value);
  });
}

/** Formats a byte count for messages: "250 MiB (262144000 bytes)". */
export function describeBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1 && value % 1024 === 0) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} bytes` : `${value} ${units[unit]} (${bytes} bytes)`;
}
