/** Languages in which Vitrail words the errors it returns to an editor. */
export type EditorLanguage = 'fr' | 'en';

const LANGUAGES: readonly EditorLanguage[] = ['fr', 'en'];

/** Language used when the request names neither French nor English: Vitrail's users are French first. */
export const DEFAULT_EDITOR_LANGUAGE: EditorLanguage = 'fr';

/**
 * Chooses the language of an editor's error messages: the editor's own language when it sends one
 * (CKEditor 4's `langCode`, such as `fr` or `en-gb`), else the best of French and English in the
 * Accept-Language header by its q-values, else French.
 */
export function chooseEditorLanguage(langCode: string | undefined, acceptLanguage: string | undefined): EditorLanguage {
  const fromEditor = languageOf(langCode);
  if (fromEditor !== null) return fromEditor;
  return preferredLanguage(acceptLanguage ?? '') ?? DEFAULT_EDITOR_LANGUAGE;
}

function languageOf(tag: string | undefined): EditorLanguage | null {
  const primary = tag?.trim().toLowerCase().split(/[-_]/)[0];
  return LANGUAGES.find((language) => language === primary) ?? null;
}

/** Picks French or English from an Accept-Language header (RFC 9110 section 12.5.4); ties keep header order. */
function preferredLanguage(header: string): EditorLanguage | null {
  let best: { language: EditorLanguage; quality: number } | null = null;
  for (const entry of header.split(',')) {
    const [tag, ...parameters] = entry.split(';');
    const language = languageOf(tag);
    if (language === null) continue;
    const qualityParameter = parameters.map((parameter) => parameter.trim()).find((parameter) => parameter.startsWith('q='));
    const quality = qualityParameter === undefined ? 1 : Number(qualityParameter.slice(2));
    if (!Number.isFinite(quality) || quality <= 0) continue;
    if (best === null || quality > best.quality) best = { language, quality };
  }
  return best?.language ?? null;
}
