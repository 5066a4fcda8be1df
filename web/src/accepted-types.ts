import i18next from 'i18next';

/** Names by which people know office document formats, in the order they are listed. */
const DOCUMENT_FORMATS = ['Word', 'Excel', 'PowerPoint', 'LibreOffice', 'RTF'] as const;
type DocumentFormat = (typeof DOCUMENT_FORMATS)[number];

/** Office document types, by the names a secretary would give them. */
const DOCUMENT_TYPES: ReadonlyMap<string, readonly DocumentFormat[]> = new Map([
  ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', ['Word']],
  ['application/msword', ['Word']],
  ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', ['Excel']],
  ['application/vnd.ms-excel', ['Excel']],
  ['application/vnd.openxmlformats-officedocument.presentationml.presentation', ['PowerPoint']],
  ['application/vnd.ms-powerpoint', ['PowerPoint']],
  ['application/vnd.oasis.opendocument.text', ['LibreOffice']],
  ['application/vnd.oasis.opendocument.spreadsheet', ['LibreOffice']],
  ['application/vnd.oasis.opendocument.presentation', ['LibreOffice']],
  // The container of the old binary .doc, .xls and .ppt files, which Vitrail detects as this one type.
  ['application/x-cfb', ['Word', 'Excel', 'PowerPoint']],
  ['application/rtf', ['RTF']],
]);

/** Media type families that people name with one word: « images », « sons », « vidéos ». */
const FAMILIES = ['image', 'audio', 'video'] as const;
type Family = (typeof FAMILIES)[number];

/**
 * Describes the media types a server accepts (its VITRAIL_ALLOWED_TYPES, such as `image/*` or
 * `application/pdf`) in the words of the interface's language: « images, PDF, documents (Word, Excel,
 * PowerPoint, LibreOffice, RTF), sons et vidéos ». A type it does not know shows as its short name, such
 * as CSV for text/csv.
 */
export function describeAcceptedTypes(types: readonly string[]): string {
  const wholeFamilies = new Set<Family>();
  const familyFormats = new Map<Family, string[]>();
  const documentFormats = new Set<DocumentFormat>();
  let pdf = false;
  const others: string[] = [];

  for (const type of types.map((entry) => entry.trim().toLowerCase())) {
    const [family = '', subtype = ''] = type.split('/');
    const documentNames = DOCUMENT_TYPES.get(type);
    if (isFamily(family)) {
      if (subtype === '*') wholeFamilies.add(family);
      else familyFormats.set(family, [...(familyFormats.get(family) ?? []), shortName(subtype)]);
    } else if (type === 'application/pdf') {
      pdf = true;
    } else if (documentNames !== undefined) {
      for (const name of documentNames) documentFormats.add(name);
    } else if (subtype !== '') {
      others.push(shortName(subtype));
    }
  }

  const family = (name: Family) => {
    if (wholeFamilies.has(name)) return [i18next.t(`acceptedTypes.${name}`)];
    const formats = familyFormats.get(name);
    return formats === undefined ? [] : [i18next.t(`acceptedTypes.${name}Formats`, { formats: formats.join(', ') })];
  };
  const parts = [
    ...family('image'),
    ...(pdf ? ['PDF'] : []),
    ...(documentFormats.size === 0 ? [] : [i18next.t('acceptedTypes.documents', { names: DOCUMENT_FORMATS.filter((name) => documentFormats.has(name)).join(', ') })]),
    ...family('audio'),
    ...family('video'),
    ...new Set(others),
  ];
  return new Intl.ListFormat(i18next.language, { type: 'conjunction' }).format(parts);
}

function isFamily(name: string): name is Family {
  return (FAMILIES as readonly string[]).includes(name);
}

/** Returns the name people know a format by: JPEG for jpeg, SVG for svg+xml, ICON for vnd.microsoft.icon. */
function shortName(subtype: string): string {
  const withoutSuffix = subtype.split('+')[0] || subtype;
  const lastSegment = withoutSuffix.split('.').at(-1) || withoutSuffix;
  return lastSegment.replace(/^x-/, '').toUpperCase();
}
