import { createHash } from 'node:crypto';

import { isElement, isTextNode, lineOf, walk, type HtmlDocument, type HtmlNode } from '../html/html-tree.js';
import type { FindingKind } from './finding-kinds.js';

/** Location of a finding: the element, the attribute (null for text) and the source line when known. */
export interface FindingLocation {
  readonly element: string;
  readonly attribute: string | null;
  readonly line: number | null;
}

export interface Finding {
  /** Stable for the same kind and text, so a confirmation still applies when the page is sent again. */
  readonly id: string;
  readonly kind: FindingKind;
  /** The text found, partly masked so that the response does not spread the data further. */
  readonly text: string;
  readonly where: FindingLocation;
  readonly occurrences: number;
}

/** Unrendered CiviCRM tokens: `{contact.first_name}`, `{action.unsubscribeUrl}`, Smarty's `{$contact.email}`. */
const CIVICRM_TOKEN =
  /\{\$?(?:contact|action|domain|mailing|event|membership|contribution|participant|case|activity|civicrm|site)\.[A-Za-z0-9_:.-]{1,100}(?:\|[^{}]{0,200})?\}/g;
/** An address once cut out around its "@": anchored, so the regex runs on a short candidate only. */
const EMAIL_ADDRESS = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/;
const LOCAL_PART_CHARACTER = /[A-Za-z0-9._%+-]/;
const DOMAIN_CHARACTER = /[A-Za-z0-9.-]/;
/** Longest local part and domain of an address (RFC 5321, section 4.5.3.1). */
const MAX_LOCAL_PART_LENGTH = 64;
const MAX_DOMAIN_LENGTH = 255;
/** French numbers: 01 23 45 67 89, 01.23.45.67.89, +33 1 23 45 67 89, +33 (0)1 23 45 67 89, 0033 1… */
const FRENCH_PHONE = /(?<![\d+])(?:(?:\+|00)33[\s.-]?(?:\(0\)[\s.-]?)?|0)[1-9](?:[\s.-]?\d{2}){4}(?!\d)/g;
/** Other international numbers written with their country code: + and 8 to 15 digits. */
const INTERNATIONAL_PHONE = /(?<![\d+])\+(?!33)[1-9]\d{0,2}(?:[\s.-]?\d{1,4}){2,6}(?!\d)/g;
const IBAN_CANDIDATE = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g;
const ABSOLUTE_URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"']+/g;
const DATA_URL_IN_TEXT = /\bdata:[^\s<>"')]+/gi;

/** Attributes whose value is a URL worth checking for per-recipient parameters. */
const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'background', 'cite', 'formaction']);
/** Attributes whose text a reader sees or a tool reads. */
const TEXT_ATTRIBUTES = new Set(['alt', 'title', 'content', 'value', 'placeholder', 'aria-label']);
/** URL parameters that identify a contact or a mail queue entry; masked in findings. */
const IDENTIFYING_PARAMETERS = new Set(['cid', 'cid1', 'cs', 'qid', 'h', 'jid', 'id', 'eq']);

/**
 * Values that are public on purpose, such as the organisation's address, phone number or IBAN. Entries are
 * matched after normalisation, and an entry starting with "@" allows every address of that domain.
 */
export class PersonalDataAllowlist {
  private readonly entries: Set<string>;

  constructor(entries: readonly string[]) {
    this.entries = new Set();
    for (const entry of entries.map((value) => value.trim()).filter((value) => value !== '')) {
      for (const form of [entry.toLowerCase(), normaliseFound('phone-number', entry), normaliseFound('iban', entry)]) {
        if (form !== '') this.entries.add(form);
      }
    }
  }

  allows(kind: FindingKind, text: string): boolean {
    const normalised = normaliseFound(kind, text);
    if (this.entries.has(normalised) || this.entries.has(text.trim().toLowerCase())) return true;
    if (kind === 'email-address') {
      const domain = normalised.slice(normalised.indexOf('@'));
      return this.entries.has(domain);
    }
    return false;
  }
}

/**
 * Scans a page for what must not go public in a version shared with everyone: leftover CiviCRM tokens,
 * links that identify a recipient, e-mail addresses, phone numbers and IBANs. Returns one finding per kind
 * and text, at its first place, with the number of occurrences.
 */
export function findPersonalData(document: HtmlDocument, allowlist: PersonalDataAllowlist): Finding[] {
  const found = new Map<string, { kind: FindingKind; raw: string; where: FindingLocation; occurrences: number }>();
  const record = (kind: FindingKind, raw: string, where: FindingLocation): void => {
    if (allowlist.allows(kind, raw)) return;
    const id = findingId(kind, raw);
    const existing = found.get(id);
    if (existing === undefined) found.set(id, { kind, raw, where, occurrences: 1 });
    else existing.occurrences += 1;
  };

  walk(document, (node) => {
    if (isTextNode(node) || node.nodeName === '#comment') {
      const parent = 'parentNode' in node && node.parentNode !== null && isElement(node.parentNode) ? node.parentNode.tagName : 'document';
      const where = { element: node.nodeName === '#comment' ? 'comment' : parent, attribute: null, line: lineOf(node) };
      const text = 'data' in node ? String(node.data) : (node as { value: string }).value;
      // CSS contains no reader-visible text, and its base64 images would match phone and IBAN patterns by chance.
      if (parent === 'style') scanTokens(text, where, record);
      else scanText(text, where, record);
      return;
    }
    if (!isElement(node)) return;
    for (const attribute of node.attrs) {
      const name = attribute.name.toLowerCase();
      const where = { element: node.tagName, attribute: name, line: lineOf(node as HtmlNode) };
      if (URL_ATTRIBUTES.has(name)) scanUrl(attribute.value, where, record);
      else if (TEXT_ATTRIBUTES.has(name)) scanText(attribute.value, where, record);
    }
  });

  return [...found.entries()].map(([id, entry]) => ({
    id,
    kind: entry.kind,
    text: maskFound(entry.kind, entry.raw),
    where: entry.where,
    occurrences: entry.occurrences,
  }));
}

type Recorder = (kind: FindingKind, raw: string, where: FindingLocation) => void;

function scanTokens(text: string, where: FindingLocation, record: Recorder): void {
  for (const match of text.matchAll(CIVICRM_TOKEN)) record('civicrm-token', match[0], where);
}

function scanText(text: string, where: FindingLocation, record: Recorder): void {
  scanTokens(text, where, record);
  for (const match of text.matchAll(ABSOLUTE_URL_IN_TEXT)) scanUrlParameters(match[0], where, record);
  const withoutUrls = text.replace(ABSOLUTE_URL_IN_TEXT, ' ').replace(DATA_URL_IN_TEXT, ' ');
  for (const address of findEmailAddresses(withoutUrls)) record('email-address', address, where);
  for (const match of withoutUrls.matchAll(FRENCH_PHONE)) record('phone-number', match[0], where);
  for (const match of withoutUrls.matchAll(INTERNATIONAL_PHONE)) {
    const digits = match[0].replace(/\D/g, '').length;
    if (digits >= 8 && digits <= 15) record('phone-number', match[0], where);
  }
  for (const match of withoutUrls.matchAll(IBAN_CANDIDATE)) {
    const iban = longestValidIban(match[0]);
    if (iban !== null) record('iban', iban, where);
  }
}

function scanUrl(value: string, where: FindingLocation, record: Recorder): void {
  const url = value.trim();
  if (url.toLowerCase().startsWith('data:')) return;
  const decoded = safeDecode(url);
  for (const match of decoded.matchAll(CIVICRM_TOKEN)) record('civicrm-token', match[0], where);
  const lower = url.toLowerCase();
  if (lower.startsWith('mailto:')) {
    for (const address of findEmailAddresses(decoded)) record('email-address', address, where);
    return;
  }
  if (lower.startsWith('tel:')) {
    record('phone-number', decoded.slice(4).split('?')[0] ?? '', where);
    return;
  }
  scanUrlParameters(url, where, record);
  for (const address of findEmailAddresses(decoded)) record('email-address', address, where);
}

/** Checks a URL for CiviCRM's contact checksums and per-recipient tracking, unsubscribe and opt-out links. */
function scanUrlParameters(raw: string, where: FindingLocation, record: Recorder): void {
  let url: URL;
  try {
    url = new URL(raw, 'https://relative.invalid/');
  } catch {
    return;
  }
  const parameters = url.searchParams;
  // CiviCRM builds paths either as clean URLs or as ?q=civicrm/… on Drupal 7 and WordPress.
  const route = `${url.pathname}?${parameters.get('q') ?? ''}&${parameters.get('page') ?? ''}`.toLowerCase();
  const has = (name: string) => parameters.has(name) && parameters.get(name) !== '';

  if (has('cs') && (has('cid') || has('cid1') || has('id'))) {
    record('contact-checksum', raw, where);
    return;
  }
  const tracking =
    route.includes('civicrm/mailing/open') ||
    route.includes('extern/open.php') ||
    ((route.includes('civicrm/mailing/url') || route.includes('extern/url.php')) && has('qid')) ||
    (/civicrm\/mailing\/(unsubscribe|optout|resubscribe)/.test(route) && has('h'));
  if (tracking) record('civicrm-tracking-link', raw, where);
}

/**
 * Finds e-mail addresses by growing a candidate around each "@" within the lengths RFC 5321 allows, then
 * checking it. A single regex over the whole text backtracks quadratically on long runs of letters, which
 * a 200 KB text node turned into minutes of CPU.
 */
function findEmailAddresses(text: string): string[] {
  const addresses: string[] = [];
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > 0 && at - start < MAX_LOCAL_PART_LENGTH && LOCAL_PART_CHARACTER.test(text[start - 1] ?? '')) start -= 1;
    let end = at + 1;
    while (end < text.length && end - at <= MAX_DOMAIN_LENGTH && DOMAIN_CHARACTER.test(text[end] ?? '')) end += 1;
    const candidate = text.slice(start, end).replace(/^[.]+/, '').replace(/[.-]+$/, '');
    if (EMAIL_ADDRESS.test(candidate)) addresses.push(candidate);
  }
  return addresses;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** IBANs carry their own check digits (ISO 13616, mod 97), which keeps order numbers and codes out. */
function longestValidIban(candidate: string): string | null {
  const compact = candidate.replace(/ /g, '');
  for (let length = Math.min(compact.length, 34); length >= 15; length -= 1) {
    if (isValidIban(compact.slice(0, length))) return compact.slice(0, length);
  }
  return null;
}

function isValidIban(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const character of rearranged) {
    const value = Number.parseInt(character, 36);
    if (Number.isNaN(value)) return false;
    for (const digit of String(value)) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

function normaliseFound(kind: FindingKind, raw: string): string {
  switch (kind) {
    case 'email-address':
      return raw.trim().toLowerCase();
    case 'phone-number': {
      const digits = raw.replace(/\(0\)/, '').replace(/[^\d+]/g, '');
      return digits.replace(/^(?:\+|00)33/, '0');
    }
    case 'iban':
      return raw.replace(/\s/g, '').toUpperCase();
    default:
      return raw.trim();
  }
}

function findingId(kind: FindingKind, raw: string): string {
  return createHash('sha256').update(`${kind}\u0000${normaliseFound(kind, raw)}`).digest('hex').slice(0, 16);
}

const MASK = '•••';
const MAX_SHOWN_URL = 160;

function maskFound(kind: FindingKind, raw: string): string {
  switch (kind) {
    case 'civicrm-token':
      return raw;
    case 'email-address': {
      const [local = '', domain = ''] = raw.split('@');
      const topLevel = domain.split('.').pop() ?? '';
      return `${local.slice(0, 1)}${MASK}@${domain.slice(0, 1)}${MASK}.${topLevel}`;
    }
    case 'phone-number': {
      const compact = raw.replace(/\(0\)/, '').replace(/[^\d+]/g, '');
      return `${compact.slice(0, compact.startsWith('+') ? 4 : 2)}${MASK}${compact.slice(-2)}`;
    }
    case 'iban':
      return `${raw.slice(0, 4)}${MASK}${raw.slice(-3)}`;
    case 'contact-checksum':
    case 'civicrm-tracking-link':
      return maskUrlParameters(raw);
  }
}

function maskUrlParameters(raw: string): string {
  const [beforeQuery = '', query] = raw.split('?', 2);
  if (query === undefined) return raw.slice(0, MAX_SHOWN_URL);
  const masked = query
    .split('&')
    .map((pair) => {
      const [name = '', value] = pair.split('=', 2);
      if (value === undefined || !IDENTIFYING_PARAMETERS.has(name.toLowerCase())) return pair;
      return `${name}=${value.slice(0, 1)}${MASK}`;
    })
    .join('&');
  const shown = `${beforeQuery}?${masked}`;
  return shown.length > MAX_SHOWN_URL ? `${shown.slice(0, MAX_SHOWN_URL)}…` : shown;
}
