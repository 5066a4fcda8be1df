import { VitrailError } from '../errors/catalogue.js';
import type { EditorLanguage } from './editor-language.js';

/** What a message may name besides the error's own parameters. */
export interface MessageContext {
  readonly fileName?: string;
  readonly requestId: string;
  readonly maxUploadBytes: number;
}

type Wording = (error: VitrailError, context: MessageContext) => string;

/**
 * The messages an editor shows its user, by error code, in French and English. Codes not listed here keep
 * the catalogue's English message, introduced by a short French sentence in French.
 * Codes are plain strings so that codes added by other parts of Vitrail can be worded here too.
 */
const WORDINGS: Readonly<Record<string, Readonly<Record<EditorLanguage, Wording>>>> = {
  VITRAIL_MEDIA_TOO_LARGE: {
    fr: (_e, c) => `${fileLabel('fr', c)} dépasse la taille maximale de ${megabytes(c.maxUploadBytes, 'Mo')} : réduisez l'image ou choisissez-en une plus légère.`,
    en: (_e, c) => `${fileLabel('en', c)} is larger than the limit of ${megabytes(c.maxUploadBytes, 'MB')}: shrink the image or choose a lighter one.`,
  },
  VITRAIL_REQUEST_TOO_LARGE: {
    fr: (_e, c) => `L'envoi dépasse la taille maximale de ${megabytes(c.maxUploadBytes, 'Mo')} : réduisez l'image ou choisissez-en une plus légère.`,
    en: (_e, c) => `The upload is larger than the limit of ${megabytes(c.maxUploadBytes, 'MB')}: shrink the image or choose a lighter one.`,
  },
  VITRAIL_EDITOR_NOT_AN_IMAGE: {
    fr: (_e, c) => `${fileLabel('fr', c)} n'est pas une image utilisable dans un mail : choisissez une photo ou une image JPEG, PNG, GIF, WebP ou HEIC.`,
    en: (_e, c) => `${fileLabel('en', c)} is not an image a mail can show: choose a JPEG, PNG, GIF, WebP or HEIC picture.`,
  },
  VITRAIL_MEDIA_TYPE_NOT_ALLOWED: {
    fr: (_e, c) => `${fileLabel('fr', c)} n'est pas d'un type accepté par ce serveur Vitrail : choisissez une image JPEG, PNG ou GIF.`,
    en: (_e, c) => `${fileLabel('en', c)} is not of a type this Vitrail server accepts: choose a JPEG, PNG or GIF image.`,
  },
  VITRAIL_IMAGE_UNREADABLE: {
    fr: (_e, c) => `${fileLabel('fr', c)} n'est pas une image lisible (fichier abîmé ou incomplet) : enregistrez-la de nouveau et réessayez.`,
    en: (_e, c) => `${fileLabel('en', c)} is not a readable image (damaged or truncated): save it again and retry.`,
  },
  VITRAIL_IMAGE_TOO_MANY_PIXELS: {
    fr: (_e, c) => `${fileLabel('fr', c)} a trop de pixels pour être traitée : réduisez ses dimensions et réessayez.`,
    en: (_e, c) => `${fileLabel('en', c)} has too many pixels to process: reduce its dimensions and retry.`,
  },
  VITRAIL_MEDIA_EMPTY: {
    fr: (_e, c) => `${fileLabel('fr', c)} est vide : choisissez un fichier qui contient une image.`,
    en: (_e, c) => `${fileLabel('en', c)} is empty: choose a file that contains an image.`,
  },
  VITRAIL_AUTH_REQUIRED: {
    fr: () => `Aucun jeton d'API n'accompagne l'envoi : ajoutez l'en-tête « Authorization: Bearer <jeton> » à la configuration de l'éditeur.`,
    en: () => 'No API token came with the upload: add the header "Authorization: Bearer <token>" to the editor configuration.',
  },
  VITRAIL_AUTH_INVALID_TOKEN: {
    fr: () => `Le jeton d'API est invalide ou révoqué : créez-en un nouveau dans Vitrail et remplacez-le dans la configuration de l'éditeur.`,
    en: () => 'The API token is invalid or revoked: create a new one in Vitrail and replace it in the editor configuration.',
  },
  VITRAIL_FORBIDDEN: {
    fr: () => `Le compte lié à ce jeton n'a pas le droit d'envoyer des images.`,
    en: () => 'The account behind this token is not allowed to upload images.',
  },
  VITRAIL_EDITOR_FILE_MISSING: {
    fr: (e) => `L'envoi ne contient aucun fichier dans le champ « ${String(e.parameters.field)} ».`,
    en: (e) => `The upload has no file in the field "${String(e.parameters.field)}".`,
  },
  VITRAIL_EDITOR_TOO_MANY_FILES: {
    fr: (e) => `Trop de fichiers en un seul envoi : ${String(e.parameters.max)} au plus.`,
    en: (e) => `Too many files in one upload: ${String(e.parameters.max)} at most.`,
  },
  VITRAIL_CKEDITOR4_FORM_MODE: {
    fr: () => `Le mode d'envoi par formulaire de CKEditor 4 n'est pas pris en charge : réglez config.filebrowserUploadMethod = 'xhr'.`,
    en: () => "CKEditor 4's form upload mode is not supported: set config.filebrowserUploadMethod = 'xhr'.",
  },
  VITRAIL_INTERNAL: {
    fr: (_e, c) => `L'envoi a échoué à cause d'une erreur du serveur Vitrail (référence ${c.requestId}) : réessayez, puis prévenez l'administrateur.`,
    en: (_e, c) => `The upload failed because of a Vitrail server error (reference ${c.requestId}): retry, then tell the administrator.`,
  },
};

/** Words an error for an editor's user, in the editor's language. */
export function editorMessage(error: VitrailError, language: EditorLanguage, context: MessageContext): string {
  const wording = WORDINGS[error.code]?.[language];
  if (wording !== undefined) return wording(error, context);
  return language === 'fr' ? `L'envoi a été refusé. ${error.message}` : error.message;
}

function fileLabel(language: EditorLanguage, context: MessageContext): string {
  if (language === 'fr') return context.fileName === undefined || context.fileName === '' ? 'Le fichier' : `Le fichier « ${context.fileName} »`;
  return context.fileName === undefined || context.fileName === '' ? 'The file' : `The file "${context.fileName}"`;
}

/** Formats a byte count in whole or decimal mebibytes, with the unit users of each language write. */
function megabytes(bytes: number, unit: 'Mo' | 'MB'): string {
  const value = bytes / (1024 * 1024);
  const rounded = value >= 10 ? Math.round(value) : Math.round(value * 10) / 10;
  const text = unit === 'Mo' ? String(rounded).replace('.', ',') : String(rounded);
  return `${text} ${unit}`;
}
