import type { InsertedImage } from './inserted-image.js';

/**
 * CKEditor 5's SimpleUploadAdapter protocol. The adapter takes `urls` when present, else `url`; it ignores
 * the HTTP status and treats any body with an `error` as a failure, showing `error.message` to the user.
 */
export interface Ckeditor5Success {
  readonly url: string;
  readonly urls: { readonly default: string };
  readonly width?: number;
  readonly height?: number;
}

export interface Ckeditor5Failure {
  readonly error: { readonly code: string; readonly message: string };
}

export function ckeditor5Success(image: InsertedImage): Ckeditor5Success {
  return {
    url: image.url,
    urls: { default: image.url },
    ...(image.width === null ? {} : { width: image.width }),
    ...(image.height === null ? {} : { height: image.height }),
  };
}

export function ckeditor5Failure(code: string, message: string): Ckeditor5Failure {
  return { error: { code, message } };
}
