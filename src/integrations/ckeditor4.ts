import type { InsertedImage } from './inserted-image.js';

/**
 * CKEditor 4's JSON upload protocol, used by its upload plugins (uploadimage, uploadfile) and by the
 * upload tab of its image dialog in XHR mode (the default since 4.9). The editor reads `uploaded`,
 * `fileName`, `url` and `error.message`. It reads the body of a 2xx response only: any other status is
 * a failure with the editor's own generic text, so failures go out with 200 and `uploaded: 0`. Its
 * uploadimage plugin takes `width` and `height` from the response when they are present.
 */
export interface Ckeditor4Success {
  readonly uploaded: 1;
  readonly fileName: string;
  readonly url: string;
  readonly width?: number;
  readonly height?: number;
}

export interface Ckeditor4Failure {
  readonly uploaded: 0;
  readonly error: { readonly code: string; readonly message: string };
}

export function ckeditor4Success(image: InsertedImage): Ckeditor4Success {
  return {
    uploaded: 1,
    fileName: image.name,
    url: image.url,
    ...(image.width === null ? {} : { width: image.width }),
    ...(image.height === null ? {} : { height: image.height }),
  };
}

export function ckeditor4Failure(code: string, message: string): Ckeditor4Failure {
  return { uploaded: 0, error: { code, message } };
}

/** Query parameters CKEditor 4 adds to its upload and browse URLs. */
export interface Ckeditor4Query {
  readonly responseType?: string;
  readonly CKEditor?: string;
  readonly CKEditorFuncNum?: string;
  readonly langCode?: string;
}

/**
 * Tells whether a request comes from the legacy form mode, which posts from a hidden iframe and expects an
 * HTML page calling back into the editor: the function number is there but not `responseType=json`.
 * That mode can send no header, so no token; it is rejected with a message saying how to switch to XHR.
 */
export function isCkeditor4FormMode(query: Ckeditor4Query): boolean {
  return query.CKEditorFuncNum !== undefined && query.responseType !== 'json';
}
